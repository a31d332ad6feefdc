/*
 * biodrv: a small BIO driver in C, speaking the duckybio driver protocol
 * (duckybio-drive/1, SPEC section 16) on stdin/stdout.
 *
 * duckybio sends "version", "supports", "machine RAM_SIZE MMIO_BASE",
 * "request read|write SID BLOCK COUNT ADDR dma|pio" and "quit".  The driver
 * answers the first three and "quit" with one OK line; it carries out a
 * request by wire commands (readl, writel, read, clock_step), reading the
 * device's answer to each, and ends it with "done ok [BYTES]" or
 * "done error".
 *
 * Like the original FORTH block driver it moves one block per request
 * (it declares counts=0x1), by DMA or through the data port:
 *   1. write SRST to STATUS and poll until the controller is idle;
 *   2. write SID, BLOCK, COUNT (and ADDR for DMA), failing if ERR is set
 *      after any of them;
 *   3. for a PIO write, read the block from RAM and write it to DATA;
 *   4. start the command and poll STATUS, stepping the clock, until
 *      (RDY or ERR) and not BUSY;
 *   5. fail if ERR is set; for a PIO read, read the block from DATA.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE 1024u
#define WORDS (BLOCK_SIZE / 4u)
#define POLL_BOUND 100000u

enum { REG_STATUS = 0x00, REG_SID = 0x04, REG_BLOCK = 0x08, REG_COUNT = 0x0c,
       REG_ADDR = 0x10, REG_DATA = 0x14 };
enum { RDY = 0x01, ERR = 0x02, READ = 0x04, WRITE = 0x08, BUSY = 0x10, DMA = 0x20,
       SRST = 0x40 };

static uint64_t mmio_base;
/* One line from duckybio: a request, or the answer to a wire command. */
static char line[2 * BLOCK_SIZE + 64];

static int next_line(void)
{
    if (!fgets(line, sizeof line, stdin))
        return -1;
    line[strcspn(line, "\r\n")] = '\0';
    return 0;
}

static void say(const char *text)
{
    fputs(text, stdout);
    fputc('\n', stdout);
    fflush(stdout);
}

/* The device's answer to the last command: 0 for OK, -1 for FAIL; its value. */
static int answer(const char **value)
{
    if (next_line() != 0) {
        fprintf(stderr, "biodrv: input ended in the middle of a request\n");
        exit(1);
    }
    if (strncmp(line, "OK", 2) == 0) {
        *value = line[2] == ' ' ? line + 3 : "";
        return 0;
    }
    return -1;
}

static void writel(uint32_t reg, uint32_t value)
{
    const char *v;
    printf("writel 0x%" PRIx64 " 0x%" PRIx32 "\n", mmio_base + reg, value);
    fflush(stdout);
    answer(&v);
}

static uint32_t readl(uint32_t reg)
{
    const char *v;
    printf("readl 0x%" PRIx64 "\n", mmio_base + reg);
    fflush(stdout);
    if (answer(&v) != 0)
        return 0;
    return (uint32_t)strtoul(v, NULL, 16);
}

static void clock_step(void)
{
    const char *v;
    say("clock_step");
    answer(&v);
}

/* Poll until (RDY or ERR) and not BUSY; the last STATUS, or -1 after POLL_BOUND steps. */
static int64_t wait_idle(void)
{
    for (uint32_t steps = 0;; steps++) {
        uint32_t status = readl(REG_STATUS);
        if ((status & (RDY | ERR)) && !(status & BUSY))
            return status;
        if (steps == POLL_BOUND)
            return -1;
        clock_step();
    }
}

/* Write a setup register; nonzero when ERR is set afterwards. */
static int latch(uint32_t reg, uint32_t value)
{
    writel(reg, value);
    return (readl(REG_STATUS) & ERR) != 0;
}

static uint8_t block[BLOCK_SIZE];

/* Read RAM [addr, addr + 1024) into block; nonzero when refused. */
static int ram_read(uint64_t addr)
{
    const char *v;
    printf("read 0x%" PRIx64 " 0x%x\n", addr, BLOCK_SIZE);
    fflush(stdout);
    if (answer(&v) != 0 || strlen(v) != 2 + 2 * BLOCK_SIZE)
        return -1;
    for (unsigned i = 0; i < BLOCK_SIZE; i++) {
        char byte[3] = { v[2 + 2 * i], v[3 + 2 * i], '\0' };
        block[i] = (uint8_t)strtoul(byte, NULL, 16);
    }
    return 0;
}

/* One request; 0 on success. */
static int request(int is_read, uint32_t sid, uint32_t blk, uint64_t addr, int dma)
{
    writel(REG_STATUS, SRST);
    if (wait_idle() < 0)
        return -1;
    if (latch(REG_SID, sid) || latch(REG_BLOCK, blk) || latch(REG_COUNT, 1))
        return -1;
    if (dma && latch(REG_ADDR, (uint32_t)addr))
        return -1;
    if (!is_read && !dma) {
        if (ram_read(addr) != 0)
            return -1;
        for (unsigned i = 0; i < WORDS; i++) {
            const uint8_t *b = block + 4 * i;
            writel(REG_DATA, (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16
                             | (uint32_t)b[3] << 24);
        }
        if (readl(REG_STATUS) & ERR)
            return -1;
    }
    writel(REG_STATUS, (is_read ? READ : WRITE) | (dma ? DMA : 0));
    int64_t status = wait_idle();
    if (status < 0 || (status & ERR))
        return -1;
    if (is_read && !dma) {
        for (unsigned i = 0; i < WORDS; i++) {
            uint32_t word = readl(REG_DATA);
            for (unsigned k = 0; k < 4; k++)
                block[4 * i + k] = (uint8_t)(word >> (8 * k));
        }
        if (readl(REG_STATUS) & ERR)
            return -1;
    }
    return 0;
}

static void carry_out(const char *args)
{
    char op[8], mode[8];
    uint64_t sid, blk, count, addr;
    if (sscanf(args, "%7s %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %7s",
               op, &sid, &blk, &count, &addr, mode) != 6 || count != 1
        || sid > UINT32_MAX || blk > UINT32_MAX || addr > UINT32_MAX) {
        say("done error");
        return;
    }
    int is_read = strcmp(op, "read") == 0, dma = strcmp(mode, "dma") == 0;
    if (request(is_read, (uint32_t)sid, (uint32_t)blk, addr, dma) != 0) {
        say("done error");
        return;
    }
    if (!is_read || dma) {
        say("done ok");
        return;
    }
    fputs("done ok 0x", stdout);
    for (unsigned i = 0; i < BLOCK_SIZE; i++)
        printf("%02x", block[i]);
    fputc('\n', stdout);
    fflush(stdout);
}

int main(void)
{
    while (next_line() == 0) {
        if (strcmp(line, "version") == 0) {
            say("OK duckybio-drive/1");
        } else if (strcmp(line, "supports") == 0) {
            say("OK counts=0x1");
        } else if (strncmp(line, "machine ", 8) == 0) {
            uint64_t ram;
            if (sscanf(line + 8, "%" SCNx64 " %" SCNx64, &ram, &mmio_base) == 2)
                say("OK");
            else
                say("FAIL machine needs RAM_SIZE MMIO_BASE");
        } else if (strncmp(line, "request ", 8) == 0) {
            carry_out(line + 8);
        } else if (strcmp(line, "quit") == 0) {
            say("OK");
            return 0;
        } else {
            say("FAIL unknown line");
        }
    }
    return 0;
}
