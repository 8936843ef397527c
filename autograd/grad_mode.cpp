#include "autograd/grad_mode.h"

namespace nabla {

namespace {
thread_local bool g_enabled = true;
}

bool is_grad_enabled() { return g_enabled; }
void set_grad_enabled(bool on) { g_enabled = on; }

NoGradGuard::NoGradGuard() : prev_(g_enabled) { g_enabled = false; }
NoGradGuard::~NoGradGuard() { g_enabled = prev_; }

}  // namespace nabla
