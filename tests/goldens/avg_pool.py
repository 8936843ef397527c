#!/usr/bin/python3
# Golden values for tests/autograd/test_avg_pool.cpp: torch.nn.functional.avg_pool2d
# of PyTorch 1.13, forward and gradient. Run: /usr/bin/python3 tests/goldens/avg_pool.py
import torch
import torch.nn.functional as F


def literal(v):
    text = "%.9g" % v
    return text + ("f" if any(c in text for c in ".e") else ".0f")


def floats(t):
    return "{" + ", ".join(literal(v) for v in t.detach().flatten().tolist()) + "}"


print("// torch", torch.__version__)
x0 = torch.arange(2 * 5 * 6, dtype=torch.float32).reshape(1, 2, 5, 6) * 0.5 - 7
print("// x = torch.arange(60.).reshape(1, 2, 5, 6) * 0.5 - 7; g = torch.linspace(-1, 1, y.numel())")
for kw in [dict(kernel_size=3, stride=2, padding=1),
           dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
           dict(kernel_size=2, stride=1)]:
    x = x0.clone().requires_grad_()
    y = F.avg_pool2d(x, **kw)
    g = torch.linspace(-1, 1, y.numel()).reshape(y.shape)
    y.backward(g)
    print("// avg_pool2d(x, %s)" % ", ".join("%s=%r" % i for i in kw.items()))
    print("y %s: %s" % (list(y.shape), floats(y)))
    print("dx: %s" % floats(x.grad))
