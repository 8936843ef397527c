#!/usr/bin/python3
# Golden trajectories for tests/optim/test_rmsprop.cpp, from PyTorch 1.13's
# torch.optim.RMSprop (single-tensor path). Run: /usr/bin/python3 tests/goldens/rmsprop.py
# and paste the printed blocks into the test.
import torch

P0 = torch.tensor([[0.5, -1.25, 2.0], [-0.75, 0.125, 1.5]])
GRADS = [torch.tensor([[0.1, -0.2, 0.3], [0.4, -0.5, 0.6]]),
         torch.tensor([[-0.3, 0.1, 0.25], [0.05, 0.7, -0.45]]),
         torch.tensor([[0.2, 0.2, -0.1], [-0.6, 0.15, 0.35]])]

CASES = [
    ("plain", dict(lr=0.01)),
    ("momentum", dict(lr=0.01, momentum=0.9)),
    ("centered", dict(lr=0.01, centered=True)),
    ("weight decay", dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1)),
]


def floats(t):
    return ", ".join("%.9gf" % v for v in t.detach().flatten().tolist())


def small_cases():
    for name, kw in CASES:
        p = P0.clone().requires_grad_()
        opt = torch.optim.RMSprop([p], foreach=False, **kw)
        print("// %s: torch.optim.RMSprop([p], %s)" % (name, ", ".join("%s=%r" % i for i in kw.items())))
        for g in GRADS:
            p.grad = g.clone()
            opt.step()
            print("{%s}," % floats(p))


def large_case():
    # 20 floats reach PyTorch's vectorised kernels; five steps of every option at once.
    torch.manual_seed(0)
    p0 = torch.randn(20)
    grads = [torch.randn(20) for _ in range(5)]
    p = p0.clone().requires_grad_()
    opt = torch.optim.RMSprop([p], lr=0.01, alpha=0.95, eps=1e-6, weight_decay=0.01,
                              momentum=0.8, centered=True, foreach=False)
    print("// large: start, grads, then the parameter after five steps")
    print("{%s}," % floats(p0))
    for g in grads:
        print("{%s}," % floats(g))
    for g in grads:
        p.grad = g.clone()
        opt.step()
    print("{%s}," % floats(p))


def groups_case():
    # Two parameter groups with different options in one optimizer.
    a = P0[0].clone().requires_grad_()
    b = P0[1].clone().requires_grad_()
    opt = torch.optim.RMSprop([{"params": [a]},
                               {"params": [b], "lr": 0.05, "momentum": 0.5, "centered": True}],
                              lr=0.01, foreach=False)
    print("// groups: a then b after each step")
    for g in GRADS:
        a.grad = g[0].clone()
        b.grad = g[1].clone()
        opt.step()
        print("{%s, %s}," % (floats(a), floats(b)))


if __name__ == "__main__":
    print("// torch", torch.__version__)
    small_cases()
    large_case()
    groups_case()
