#!/usr/bin/python3
# Golden values for tests/layers/test_batchnorm_cumulative.cpp: PyTorch 1.13's BatchNorm
# with momentum=None, whose running statistics are the cumulative average over every
# batch seen (factor 1 / num_batches_tracked). Run: /usr/bin/python3 tests/goldens/batchnorm_cumulative.py
import torch


def floats(t):
    return "{" + ", ".join("%.9gf" % v for v in t.detach().flatten().tolist()) + "}"


torch.manual_seed(0)
print("// torch", torch.__version__)
bn = torch.nn.BatchNorm2d(3, momentum=None)
xs = [torch.randn(2, 3, 2, 2) * (i + 1) + i for i in range(4)]
print("// xs[i] = torch.randn(2, 3, 2, 2) * (i + 1) + i for i in range(4), torch.manual_seed(0)")
for i, x in enumerate(xs):
    print("x%d: %s" % (i, floats(x)))
for i, x in enumerate(xs):
    bn(x)
    print("after batch %d: running_mean %s running_var %s num_batches_tracked %d"
          % (i, floats(bn.running_mean), floats(bn.running_var), bn.num_batches_tracked.item()))
bn.eval()
print("eval on x0: %s" % floats(bn(xs[0])))

# Resumed from a state whose counter says 10 batches: the next batch has weight 1/11.
bn2 = torch.nn.BatchNorm1d(2, momentum=None)
with torch.no_grad():
    bn2.running_mean.copy_(torch.tensor([1.0, -2.0]))
    bn2.running_var.copy_(torch.tensor([0.5, 3.0]))
    bn2.num_batches_tracked.fill_(10)
x = torch.tensor([[0.0, 1.0], [2.0, -1.0], [4.0, 0.5]])
bn2(x)
print("// BatchNorm1d(2, momentum=None) at running_mean [1, -2], running_var [0.5, 3], 10 batches,")
print("// one batch [[0, 1], [2, -1], [4, 0.5]]:")
print("running_mean %s running_var %s" % (floats(bn2.running_mean), floats(bn2.running_var)))
