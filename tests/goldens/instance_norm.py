#!/usr/bin/python3
# Golden values for tests/layers/test_instance_norm.cpp, from PyTorch 1.13's
# torch.nn.InstanceNorm2d. Run: /usr/bin/python3 tests/goldens/instance_norm.py
import torch


def floats(t):
    return ", ".join("%.9gf" % v for v in t.detach().flatten().tolist())


torch.manual_seed(0)
x1 = torch.randn(2, 3, 2, 3) * 2 + 1
x2 = torch.randn(2, 3, 2, 3) - 0.5
print("// torch", torch.__version__)
print("// x1 = torch.randn(2, 3, 2, 3) * 2 + 1; x2 = torch.randn(2, 3, 2, 3) - 0.5 (manual_seed(0))")
print("x1: {%s}" % floats(x1))
print("x2: {%s}" % floats(x2))

plain = torch.nn.InstanceNorm2d(3)
print("// InstanceNorm2d(3)(x1), the defaults (no affine, no running stats)")
print("y: {%s}" % floats(plain(x1)))

m = torch.nn.InstanceNorm2d(3, affine=True, track_running_stats=True, momentum=0.2)
with torch.no_grad():
    m.weight.copy_(torch.tensor([0.5, 1.5, -1.0]))
    m.bias.copy_(torch.tensor([0.25, -0.5, 1.0]))
print("// InstanceNorm2d(3, affine=True, track_running_stats=True, momentum=0.2), weight [0.5, 1.5, -1],")
print("// bias [0.25, -0.5, 1]: train on x1, then x2, then eval on x1")
y1 = m(x1)
m(x2)
print("train y1: {%s}" % floats(y1))
print("running_mean: {%s}" % floats(m.running_mean))
print("running_var: {%s}" % floats(m.running_var))
m.eval()
print("eval y: {%s}" % floats(m(x1)))
