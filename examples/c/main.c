/*
 * biodev: the BIO example device, speaking the duckybio wire protocol
 * (duckybio-wire/1) on stdin/stdout.  One command line in, exactly one
 * answer line out: "OK", "OK <value>" or "FAIL <message>".
 *
 * Usage: biodev [--latency N]
 *   --latency N   a command stays BUSY for N clock steps (default 0: it
 *                 completes within the STATUS write that starts it)
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bio.h"

#define MAX_ARGS 4

/* ---- parsing ----------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int is_hex_prefix(const char *s)
{
    return s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

/* A 0x-hex or decimal unsigned 64-bit number; 0 on success. */
static int parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (is_hex_prefix(s)) {
        s += 2;
        if (!*s)
            return -1;
        for (; *s; s++) {
            int d = hexval(*s);
            if (d < 0 || v > (UINT64_MAX >> 4))
                return -1;
            v = v << 4 | (uint64_t)d;
        }
    } else {
        if (!*s)
            return -1;
        for (; *s; s++) {
            if (*s < '0' || *s > '9')
                return -1;
            uint64_t d = (uint64_t)(*s - '0');
            if (v > (UINT64_MAX - d) / 10)
                return -1;
            v = v * 10 + d;
        }
    }
    *out = v;
    return 0;
}

/* A byte string "0x" followed by two hex digits a byte; decoded in place. */
static int parse_bytes(char *s, uint8_t **out, size_t *len)
{
    if (!is_hex_prefix(s))
        return -1;
    char *hex = s + 2;
    size_t n = strlen(hex);
    if (n % 2)
        return -1;
    uint8_t *dst = (uint8_t *)s;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        dst[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    *out = dst;
    *len = n / 2;
    return 0;
}

/* ---- answers ----------------------------------------------------------- */

static void ok(void)
{
    fputs("OK\n", stdout);
}

static void ok_number(uint64_t v)
{
    printf("OK 0x%" PRIx64 "\n", v);
}

static void ok_bytes(const uint8_t *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char chunk[4096];
    size_t used = 0;
    fputs("OK 0x", stdout);
    for (size_t i = 0; i < len; i++) {
        chunk[used++] = digits[data[i] >> 4];
        chunk[used++] = digits[data[i] & 0xF];
        if (used == sizeof chunk) {
            fwrite(chunk, 1, used, stdout);
            used = 0;
        }
    }
    fwrite(chunk, 1, used, stdout);
    fputs("\n", stdout);
}

static void fail(const char *message)
{
    printf("FAIL %s\n", message);
}

/* ---- commands ---------------------------------------------------------- */

struct server {
    struct machine m;
    bool powered;
    uint64_t latency;
};

/* Parse numeric arguments argv[first..n) into v[]; 0 on success. */
static int numbers(char **argv, int first, int n, uint64_t *v)
{
    for (int i = first; i < n; i++)
        if (parse_u64(argv[i], &v[i]))
            return -1;
    return 0;
}

static void cmd_readl(struct machine *m, uint64_t addr)
{
    if (machine_is_mmio(m, addr)) {
        ok_number(bio_read(m, (uint32_t)(addr - m->mmio_base)));
    } else if (machine_is_ram(m, addr, 4)) {
        const uint8_t *p = m->ram + addr;
        ok_number((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
                  | (uint32_t)p[3] << 24);
    } else {
        fail("readl address is neither the MMIO page nor RAM");
    }
}

static void cmd_writel(struct machine *m, uint64_t addr, uint64_t value)
{
    uint32_t v = (uint32_t)value;
    if (machine_is_mmio(m, addr)) {
        bio_write(m, (uint32_t)(addr - m->mmio_base), v);
        ok();
    } else if (machine_is_ram(m, addr, 4)) {
        uint8_t *p = m->ram + addr;
        p[0] = v & 0xFF;
        p[1] = (v >> 8) & 0xFF;
        p[2] = (v >> 16) & 0xFF;
        p[3] = (v >> 24) & 0xFF;
        ok();
    } else {
        fail("writel address is neither the MMIO page nor RAM");
    }
}

static void cmd_storage_io(struct machine *m, char **argv, int argc, bool write)
{
    uint64_t v[MAX_ARGS];
    uint8_t *data = NULL;
    size_t len = 0;
    if (argc != 4 || numbers(argv, 1, 3, v)) {
        fail("usage: storage-write SID OFFSET BYTES / storage-read SID OFFSET LEN");
        return;
    }
    if (write ? parse_bytes(argv[3], &data, &len) : numbers(argv, 3, 4, v)) {
        fail("malformed argument");
        return;
    }
    uint64_t length = write ? len : v[3];
    struct storage *s = machine_storage(m, v[1]);
    if (!s) {
        fail("no storage with this id");
    } else if (length > s->size || v[2] > s->size - length) {
        fail("storage access past its end");
    } else if (write) {
        if (len)
            memcpy(s->data + v[2], data, len);
        ok();
    } else {
        ok_bytes(length ? s->data + v[2] : NULL, (size_t)length);
    }
}

static void cmd_ram_io(struct machine *m, char **argv, int argc, bool write)
{
    uint64_t v[MAX_ARGS];
    uint8_t *data = NULL;
    size_t len = 0;
    if (argc != (write ? 4 : 3) || numbers(argv, 1, 3, v)) {
        fail("usage: write ADDR LEN BYTES / read ADDR LEN");
        return;
    }
    if (write && (parse_bytes(argv[3], &data, &len) || len != v[2])) {
        fail("malformed byte string, or LEN is not its length");
        return;
    }
    if (!machine_is_ram(m, v[1], v[2])) {
        fail("range is not RAM");
    } else if (write) {
        if (len)
            memcpy(m->ram + v[1], data, len);
        ok();
    } else {
        ok_bytes(v[2] ? m->ram + v[1] : NULL, (size_t)v[2]);
    }
}

/* Answer one command line; return 1 after quit. */
static int handle(struct server *srv, char *line)
{
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    for (char *tok = strtok(line, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
        if (argc == MAX_ARGS + 1) {
            fail("too many arguments");
            return 0;
        }
        argv[argc++] = tok;
    }
    if (argc == 0) {
        fail("empty line");
        return 0;
    }
    const char *name = argv[0];
    uint64_t v[MAX_ARGS];
    struct machine *m = &srv->m;

    if (!strcmp(name, "version")) {
        if (argc == 1)
            fputs("OK duckybio-wire/1\n", stdout);
        else
            fail("version takes no arguments");
        return 0;
    }
    if (!strcmp(name, "quit")) {
        if (argc != 1) {
            fail("quit takes no arguments");
            return 0;
        }
        ok();
        return 1;
    }
    if (!strcmp(name, "machine")) {
        if (argc != 3 || numbers(argv, 1, 3, v)) {
            fail("usage: machine RAM_SIZE MMIO_BASE");
            return 0;
        }
        /* A refused machine leaves none: commands fail until the next one. */
        const char *err = machine_power_on(m, v[1], v[2], srv->latency);
        if (err) {
            machine_free(m);
            fail(err);
        } else {
            ok();
        }
        srv->powered = !err;
        return 0;
    }
    if (!srv->powered) {
        fail("no machine: send 'machine RAM_SIZE MMIO_BASE' first");
        return 0;
    }
    if (!strcmp(name, "storage")) {
        if (argc != 3 || numbers(argv, 1, 3, v)) {
            fail("usage: storage SID SIZE");
        } else {
            const char *err = machine_attach(m, v[1], v[2]);
            err ? fail(err) : ok();
        }
    } else if (!strcmp(name, "storage-write") || !strcmp(name, "storage-read")) {
        cmd_storage_io(m, argv, argc, name[8] == 'w');
    } else if (!strcmp(name, "writel")) {
        if (argc != 3 || numbers(argv, 1, 3, v))
            fail("usage: writel ADDR VALUE");
        else
            cmd_writel(m, v[1], v[2]);
    } else if (!strcmp(name, "readl")) {
        if (argc != 2 || numbers(argv, 1, 2, v))
            fail("usage: readl ADDR");
        else
            cmd_readl(m, v[1]);
    } else if (!strcmp(name, "write") || !strcmp(name, "read")) {
        cmd_ram_io(m, argv, argc, name[0] == 'w');
    } else if (!strcmp(name, "clock_step")) {
        if (argc > 2 || numbers(argv, 1, argc, v)) {
            fail("usage: clock_step [NS]");
        } else {
            bio_tick(m);
            uint64_t ns = (argc == 2 && v[1] > 0) ? v[1] : 1;
            m->clock = ns > UINT64_MAX - m->clock ? UINT64_MAX : m->clock + ns;  /* saturates */
            ok_number(m->clock);
        }
    } else if (!strcmp(name, "fault")) {
        int write = argc == 4 ? (!strcmp(argv[2], "write") ? 1 : !strcmp(argv[2], "read") ? 0 : -1)
                              : -1;
        struct storage *s = NULL;
        if (write < 0 || numbers(argv, 1, 2, v) || numbers(argv, 3, 4, v))
            fail("usage: fault SID read|write N");
        else if (!(s = machine_storage(m, v[1])))
            fail("no storage with this id");
        else {
            s->faults[write] = v[3];
            ok();
        }
    } else {
        fail("unknown command");
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct server srv = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--latency") && i + 1 < argc
            && !parse_u64(argv[i + 1], &srv.latency)) {
            i++;
        } else {
            fprintf(stderr, "usage: %s [--latency N]\n", argv[0]);
            return 2;
        }
    }
    char *line = NULL;
    size_t cap = 0;
    int done = 0;
    while (!done && getline(&line, &cap, stdin) != -1) {
        done = handle(&srv, line);
        fflush(stdout);
    }
    free(line);
    machine_free(&srv.m);
    return 0;
}
