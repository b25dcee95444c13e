/*
 * insn_count: a qemu TCG plugin that counts executed guest instructions (all vCPUs/threads).
 *
 * Debian ships no qemu-plugin.h, so the few functions of the plugin API version 1 (QEMU 4.2 .. 7.x;
 * this machine's qemu-user is 7.2) used here are declared below, as qemu's include/qemu/qemu-plugin.h
 * declares them. At translation of each translation block (TB), an inline "add the TB's instruction
 * count to a 64-bit counter" op is attached to the TB, so every execution of the block adds its
 * length: a deterministic count of executed instructions, at a small cost in speed. With several
 * guest threads running at once, the inline adds to one counter are not atomic and may rarely lose
 * an update; the profiling runs keep the measured work on one thread.
 *
 * Usage: qemu-aarch64 -plugin ./libinsn_count.so[,out=FILE] -d plugin ./program
 * At exit it prints "insn_count: N" through qemu's plugin log (-d plugin: stderr) and, with out=,
 * writes N to FILE.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- qemu plugin API, version 1 (declarations from qemu's include/qemu/qemu-plugin.h) ---- */
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;   /* opaque here: not read */
struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op, void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_outs(const char *string);
#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;
/* ---- end of API declarations ---- */

static uint64_t insn_count;
static char out_path[4096];

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &insn_count, qemu_plugin_tb_n_insns(tb));
}

static void at_exit(qemu_plugin_id_t id, void *userdata)
{
    (void)id;
    (void)userdata;
    char line[64];
    snprintf(line, sizeof line, "insn_count: %" PRIu64 "\n", insn_count);
    qemu_plugin_outs(line);
    if (out_path[0] != '\0') {
        FILE *f = fopen(out_path, "w");
        if (f != NULL) {
            fprintf(f, "%" PRIu64 "\n", insn_count);
            fclose(f);
        }
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0) {
            snprintf(out_path, sizeof out_path, "%s", argv[i] + 4);
        } else {
            fprintf(stderr, "insn_count: unknown argument '%s' (only out=FILE)\n", argv[i]);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
