// weaken_verneed FILE VERSION: marks the version need VERSION (e.g. GLIBCXX_3.4.32) of an ELF64
// shared library as weak (VER_FLG_WEAK in its SHT_GNU_verneed auxiliary entry), so the dynamic
// loader accepts a libstdc++ that lacks it. Used by setup-torchsharp.sh. Exit 0 if patched or
// already weak, 1 on error (message names the file and what is wrong), 2 if VERSION is not needed.
#include <elf.h>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

int main(int argc, char** argv)
{
    if (argc != 3) { std::fprintf(stderr, "usage: weaken_verneed FILE VERSION\n"); return 1; }
    std::ifstream in(argv[1], std::ios::binary);
    std::vector<char> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (b.size() < sizeof(Elf64_Ehdr) || std::memcmp(b.data(), ELFMAG, SELFMAG) != 0 || b[EI_CLASS] != ELFCLASS64)
    { std::fprintf(stderr, "%s: not an ELF64 file\n", argv[1]); return 1; }
    auto* eh = reinterpret_cast<Elf64_Ehdr*>(b.data());
    if (eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr) > b.size()) { std::fprintf(stderr, "%s: truncated section headers\n", argv[1]); return 1; }
    auto* sh = reinterpret_cast<Elf64_Shdr*>(b.data() + eh->e_shoff);
    int found = 0;
    for (int i = 0; i < eh->e_shnum; i++)
    {
        if (sh[i].sh_type != SHT_GNU_verneed) continue;
        const char* str = b.data() + sh[sh[i].sh_link].sh_offset;
        size_t off = sh[i].sh_offset;
        for (unsigned n = 0; n < sh[i].sh_info; n++)
        {
            auto* vn = reinterpret_cast<Elf64_Verneed*>(b.data() + off);
            size_t aoff = off + vn->vn_aux;
            for (unsigned a = 0; a < vn->vn_cnt; a++)
            {
                auto* aux = reinterpret_cast<Elf64_Vernaux*>(b.data() + aoff);
                if (std::strcmp(str + aux->vna_name, argv[2]) == 0) { aux->vna_flags |= VER_FLG_WEAK; found++; }
                aoff += aux->vna_next;
            }
            off += vn->vn_next;
        }
    }
    if (found == 0) { std::fprintf(stderr, "%s: no version need %s\n", argv[1], argv[2]); return 2; }
    std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
    out.write(b.data(), (std::streamsize)b.size());
    return out ? 0 : 1;
}
