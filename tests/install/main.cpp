// Compiles and links against the installed package; exits 0 when a tensor works.
#include <nabla.h>

int main() {
    nabla::Tensor t = nabla::ones({2, 3});
    return t.numel() == 6 ? 0 : 1;
}
