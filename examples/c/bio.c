/*
 * The machine and its BIO controller.
 *
 * Every rule of the duckybio specification is here, in the order the spec
 * gives them.  A command latches its registers when it starts and is checked
 * and carried out when it completes: within the STATUS write that starts it
 * when latency is 0, else on the latency-th clock step.  All bounds are
 * computed in 64 bits, where block + count and addr + length cannot wrap.
 *
 * Building with -DMUTANT=<n> plants one deliberate bug (see README.md), so
 * that a conformance checker can be shown to catch it.
 */
#include "bio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MUTANT
#define MUTANT 0
#endif

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("biodev: out of memory\n", stderr);
        exit(70);
    }
    return q;
}

static void bytes_reserve(struct bytes *b, size_t n)
{
    if (n <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < n)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

static void bytes_set(struct bytes *b, const uint8_t *src, size_t n)
{
    bytes_reserve(b, n);
    if (n)
        memcpy(b->data, src, n);
    b->len = n;
}

static void bytes_free(struct bytes *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* ---- machine (host side) ---------------------------------------------- */

static void bio_reset(struct bio *bio)
{
    bio->flags = BIO_RDY;
#if MUTANT != 6
    bio->storage = -1;
#endif
    bio->block = bio->count = bio->addr = 0;
    bio->dma = false;
    bio->rbuf.len = 0;
    bio->cursor = 0;
    bio->wbuf.len = 0;
    memset(&bio->command, 0, sizeof bio->command);
    bio->reset_pending = false;
}

void machine_free(struct machine *m)
{
    for (size_t i = 0; i < m->nstorages; i++)
        free(m->storages[i].data);
    free(m->storages);
    free(m->ram);
    bytes_free(&m->bio.rbuf);
    bytes_free(&m->bio.wbuf);
    memset(m, 0, sizeof *m);
}

const char *machine_power_on(struct machine *m, uint64_t ram_size, uint64_t mmio_base,
                             uint64_t latency)
{
    if (ram_size % BIO_PAGE_SIZE)
        return "RAM size must be a multiple of the page size";
    if (mmio_base > 0xFFFFFFFFu || mmio_base % BIO_PAGE_SIZE)
        return "MMIO base must be a page-aligned u32 address";
    if (ram_size > SIZE_MAX)
        return "RAM size too large";
    uint8_t *ram = NULL;
    if (ram_size && !(ram = calloc((size_t)ram_size, 1)))
        return "cannot allocate the RAM";
    machine_free(m);
    m->ram = ram;
    m->ram_size = ram_size;
    m->mmio_base = mmio_base;
    m->latency = latency;
    m->bio.storage = -1;
    bio_reset(&m->bio);
    return NULL;
}

struct storage *machine_storage(struct machine *m, uint64_t sid)
{
    for (size_t i = 0; i < m->nstorages; i++)
        if (m->storages[i].sid == sid)
            return &m->storages[i];
    return NULL;
}

const char *machine_attach(struct machine *m, uint64_t sid, uint64_t size)
{
    if (sid > 0xFFFFFFFFu)
        return "storage id is not a u32";
    if (machine_storage(m, sid))
        return "storage id already attached";
    if (size > SIZE_MAX)
        return "storage size too large";
    uint8_t *data = NULL;
    if (size && !(data = calloc((size_t)size, 1)))
        return "cannot allocate the storage";
    m->storages = xrealloc(m->storages, (m->nstorages + 1) * sizeof *m->storages);
    m->storages[m->nstorages++] = (struct storage){(uint32_t)sid, size, data, {0, 0}};
    return NULL;
}

bool machine_is_mmio(const struct machine *m, uint64_t addr)
{
    return addr >= m->mmio_base && addr - m->mmio_base < BIO_PAGE_SIZE;
}

/* [addr, addr + len) lies in RAM and does not touch the MMIO page. */
bool machine_is_ram(const struct machine *m, uint64_t addr, uint64_t len)
{
    if (len == 0)
        return true;
    if (len > m->ram_size || addr > m->ram_size - len)
        return false;
#if MUTANT == 9
    return true;
#else
    uint64_t end = addr + len;
    return end <= m->mmio_base || addr >= m->mmio_base + BIO_PAGE_SIZE;
#endif
}

/* ---- the controller (guest side) -------------------------------------- */

static void flag_error(struct bio *bio)
{
    bio->flags = (bio->flags | BIO_ERR) & ~(BIO_RDY | BIO_BUSY);
}

/* The latched command can run: storage selected, in bounds, DMA range in RAM. */
static bool command_ok(const struct machine *m, const struct command *c)
{
    if (c->storage < 0)
        return false;
    const struct storage *s = &m->storages[c->storage];
#if MUTANT == 3
    uint32_t end = (c->block + c->count) * BIO_BLOCK_SIZE;
#else
    uint64_t end = ((uint64_t)c->block + c->count) * BIO_BLOCK_SIZE;
#endif
#if MUTANT == 2
    if (end >= s->size)
#else
    if (end > s->size)
#endif
        return false;
    return !c->dma || machine_is_ram(m, c->addr, (uint64_t)c->count * BIO_BLOCK_SIZE);
}

/* Run the in-flight command to its end, then apply a deferred reset. */
static void complete(struct machine *m)
{
    struct bio *bio = &m->bio;
    struct command c = bio->command;
#if MUTANT == 10
    return;
#endif
    bio->command.active = false;
    bool ok = command_ok(m, &c);
    if (ok && c.count > 0 && m->storages[c.storage].faults[c.write] > 0) {
        /* An injected I/O error (R-HOST-7): the command fails, nothing moves. */
        m->storages[c.storage].faults[c.write]--;
#if MUTANT != 11
        ok = false;
#endif
    }
    if (!ok) {
        flag_error(bio);
        bio->rbuf.len = 0;
    } else {
        struct storage *s = &m->storages[c.storage];
        size_t offset = (size_t)c.block * BIO_BLOCK_SIZE;
        size_t len = (size_t)c.count * BIO_BLOCK_SIZE;
        if (!c.write) {
            bytes_set(&bio->rbuf, len ? s->data + offset : NULL, len);
            if (c.dma && len)
                memcpy(m->ram + c.addr, bio->rbuf.data, len);
        } else {
            if (c.dma) {
                bytes_set(&bio->rbuf, len ? m->ram + c.addr : NULL, len);
            } else {
                size_t staged = bio->wbuf.len < len ? bio->wbuf.len : len;
                bytes_set(&bio->rbuf, bio->wbuf.data, staged);
                if (len > staged) {
                    bytes_reserve(&bio->rbuf, len);
                    memset(bio->rbuf.data + staged, 0, len - staged);
                }
                bio->rbuf.len = len;
            }
            if (len)
                memcpy(s->data + offset, bio->rbuf.data, len);
        }
#if MUTANT == 5
        bio->flags = BIO_RDY;
#else
        bio->flags = (bio->flags & ~BIO_BUSY) | BIO_RDY;
#endif
    }
    bio->cursor = 0;
    bio->wbuf.len = 0;
    if (bio->reset_pending)
        bio_reset(bio);
}

static void write_status(struct machine *m, uint32_t value)
{
    struct bio *bio = &m->bio;
    value &= BIO_GUEST_SETTABLE;
    if (value & BIO_SRST)
        bio_reset(bio);
    if (value & BIO_DMA)
        bio->dma = true;
    if (!(value & (BIO_READ | BIO_WRITE)))
        return;
    bio->command = (struct command){
        .active = true,
        .write = !(value & BIO_READ),
        .storage = bio->storage,
        .block = bio->block,
        .count = bio->count,
        .addr = bio->addr,
        .dma = bio->dma,
        .ticks_left = m->latency,
    };
    bio->flags = (bio->flags | BIO_BUSY) & ~BIO_RDY;
    if (m->latency == 0)
        complete(m);
}

static void write_sid(struct machine *m, uint32_t sid)
{
    struct bio *bio = &m->bio;
    struct storage *s = machine_storage(m, sid);
    if (s) {
        bio->storage = s - m->storages;
        return;
    }
    bio->storage = -1;
#if MUTANT == 1
    bio->flags |= BIO_ERR;
#else
    bio->flags = (bio->flags | BIO_ERR) & ~BIO_RDY;
#endif
}

static void write_data(struct bio *bio, uint32_t value)
{
    uint64_t capacity = (uint64_t)bio->count * BIO_BLOCK_SIZE;
#if MUTANT == 8
    if (bio->wbuf.len > capacity) {
#else
    if (bio->wbuf.len + 4 > capacity) {
#endif
        flag_error(bio);
        return;
    }
    bytes_reserve(&bio->wbuf, bio->wbuf.len + 4);
    uint8_t *p = bio->wbuf.data + bio->wbuf.len;
    p[0] = value & 0xFF;
    p[1] = (value >> 8) & 0xFF;
    p[2] = (value >> 16) & 0xFF;
    p[3] = (value >> 24) & 0xFF;
    bio->wbuf.len += 4;
}

static uint32_t read_data(struct bio *bio)
{
    if (bio->cursor + 4 > bio->rbuf.len) {
        flag_error(bio);
        return BIO_DATA_INVALID;
    }
    const uint8_t *p = bio->rbuf.data + bio->cursor;
#if MUTANT == 4
    uint32_t word = (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16
                    | (uint32_t)p[0] << 24;
#else
    uint32_t word = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
                    | (uint32_t)p[3] << 24;
#endif
#if MUTANT != 7
    bio->cursor += 4;
#endif
    return word;
}

uint32_t bio_read(struct machine *m, uint32_t offset)
{
    struct bio *bio = &m->bio;
    if (offset == BIO_REG_STATUS)
        return bio->flags;
    if (offset == BIO_REG_DATA)
        return bio->command.active ? BIO_DATA_INVALID : read_data(bio);
    return 0;
}

void bio_write(struct machine *m, uint32_t offset, uint32_t value)
{
    struct bio *bio = &m->bio;
    if (bio->command.active) {
        /* Busy: only SRST counts, and it waits for the command to finish. */
        if (offset == BIO_REG_STATUS && (value & BIO_SRST))
            bio->reset_pending = true;
        return;
    }
    switch (offset) {
    case BIO_REG_STATUS:
        write_status(m, value);
        break;
    case BIO_REG_SID:
        write_sid(m, value);
        break;
    case BIO_REG_BLOCK:
        bio->block = value;
        break;
    case BIO_REG_COUNT:
        bio->count = value;
        bio->wbuf.len = 0;
        break;
    case BIO_REG_ADDR:
        bio->addr = value;
        break;
    case BIO_REG_DATA:
        write_data(bio, value);
        break;
    default:
        break;
    }
}

void bio_tick(struct machine *m)
{
    struct command *c = &m->bio.command;
    if (!c->active)
        return;
    if (c->ticks_left > 1)
        c->ticks_left--;
    else
        complete(m);
}
