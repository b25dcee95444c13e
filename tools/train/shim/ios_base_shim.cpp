// libstdcxx_ios_shim.so: defines std::ios_base_library_init() (GLIBCXX_3.4.32, GCC 13+), which
// TorchSharp's libLibTorchSharp.so needs and Debian 12's libstdc++ (GCC 12) lacks. Including
// <iostream> gives the static ios_base::Init object the symbol stands for. See setup-torchsharp.sh.
#include <iostream>

namespace std
{
    void ios_base_library_init() {}
}
