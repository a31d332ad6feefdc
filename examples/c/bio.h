/*
 * A Ducky machine with a block-IO controller (BIO): RAM, one MMIO page,
 * storages by id.  The register map mirrors spec/regmap.py (a test checks
 * that these values agree with it).
 */
#ifndef BIODEV_BIO_H
#define BIODEV_BIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BIO_BLOCK_SIZE 1024u
#define BIO_PAGE_SIZE 256u
#define BIO_DATA_INVALID 0xFFFFFFFFu

/* Register offsets from the MMIO base. */
#define BIO_REG_STATUS 0x00u
#define BIO_REG_SID 0x04u
#define BIO_REG_BLOCK 0x08u
#define BIO_REG_COUNT 0x0Cu
#define BIO_REG_ADDR 0x10u
#define BIO_REG_DATA 0x14u

/* STATUS bits. */
#define BIO_RDY 0x01u
#define BIO_ERR 0x02u
#define BIO_READ 0x04u
#define BIO_WRITE 0x08u
#define BIO_BUSY 0x10u
#define BIO_DMA 0x20u
#define BIO_SRST 0x40u
#define BIO_GUEST_SETTABLE (BIO_READ | BIO_WRITE | BIO_DMA | BIO_SRST)

/* A growable byte buffer. */
struct bytes {
    uint8_t *data;
    size_t len;
    size_t cap;
};

struct storage {
    uint32_t sid;
    uint64_t size;
    uint8_t *data;
    uint64_t faults[2];  /* injected I/O errors to come: [0] reads, [1] writes */
};

/* A command in flight: the registers latched when it started. */
struct command {
    bool active;
    bool write;       /* WRITE, else READ */
    long storage;     /* index into machine.storages, -1 for none */
    uint32_t block;
    uint32_t count;
    uint32_t addr;
    bool dma;
    uint64_t ticks_left;
};

struct bio {
    uint32_t flags;   /* only RDY, ERR and BUSY */
    long storage;     /* selected storage index, -1 for none */
    uint32_t block;
    uint32_t count;
    uint32_t addr;
    bool dma;
    struct bytes rbuf; /* read buffer R */
    size_t cursor;
    struct bytes wbuf; /* staging buffer W */
    struct command command;
    bool reset_pending;
};

struct machine {
    uint64_t ram_size;
    uint64_t mmio_base;
    uint8_t *ram;
    struct storage *storages;
    size_t nstorages;
    uint64_t latency;  /* clock steps a command stays BUSY; 0: synchronous */
    uint64_t clock;
    struct bio bio;
};

/* Host side.  Each returns NULL on success, else a one-line reason. */
const char *machine_power_on(struct machine *m, uint64_t ram_size, uint64_t mmio_base,
                             uint64_t latency);
void machine_free(struct machine *m);
const char *machine_attach(struct machine *m, uint64_t sid, uint64_t size);
struct storage *machine_storage(struct machine *m, uint64_t sid);
bool machine_is_ram(const struct machine *m, uint64_t addr, uint64_t len);
bool machine_is_mmio(const struct machine *m, uint64_t addr);

/* Guest side: 32-bit accesses at an offset of the MMIO page. */
uint32_t bio_read(struct machine *m, uint32_t offset);
void bio_write(struct machine *m, uint32_t offset, uint32_t value);
/* One step of virtual time. */
void bio_tick(struct machine *m);

#endif
