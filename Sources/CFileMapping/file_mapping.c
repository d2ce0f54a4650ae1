// Read-only file mappings that survive the file shrinking under them.
//
// A mapped file can change while it is mapped. Bytes written in place are simply seen; but when the file is
// truncated, touching a page past its new end raises SIGBUS, which would kill the process mid-run. Every mapping
// made here is registered, and a SIGBUS handler checks whether the faulting address lies in one: if so it maps a
// page of zeros over the faulting page (MAP_FIXED replaces just that page), counts the fault against the mapping
// and returns, so the read completes with zeros; the reader then sees the count and reports the changed file as
// an error. A SIGBUS anywhere else gets the default action, as if no handler were installed.
#include "file_mapping.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

// One slot a mapping, so a corpus can be a folder of tens of thousands of files (Linux allows 65,530 mappings a
// process by default: vm.max_map_count).
#define SLOTS 65536

// A slot is free while its base is 0 and being filled while it is 1. Slots are claimed with a compare-and-swap,
// starting from a rotating hint, and read by the handler without a lock (it may run on any thread at any moment).
static _Atomic(unsigned long) slot_base[SLOTS];
static _Atomic(unsigned long) slot_length[SLOTS];
static _Atomic(long) slot_faults[SLOTS];
static _Atomic(unsigned long) next_slot;
static atomic_flag handler_installed = ATOMIC_FLAG_INIT;
static struct sigaction previous_action;

static void on_bus_error(int number, siginfo_t *info, void *context) {
    unsigned long address = (unsigned long)info->si_addr;
    for (long k = 0; k < SLOTS; k++) {
        unsigned long base = atomic_load(&slot_base[k]);
        if (base <= 1 || address < base || address >= base + atomic_load(&slot_length[k])) continue;
        unsigned long page = (unsigned long)sysconf(_SC_PAGESIZE);
        void *start = (void *)(address & ~(page - 1));
        if (mmap(start, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) break;
        atomic_fetch_add(&slot_faults[k], 1);
        return;
    }
    // Not ours: what would have happened without this handler.
    (void)context;
    sigaction(SIGBUS, &previous_action, NULL);
    raise(number);
}

static void install_handler(void) {
    if (atomic_flag_test_and_set(&handler_installed)) return;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_bus_error;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaction(SIGBUS, &action, &previous_action);
}

long charlstm_map_file(int descriptor, size_t length, const unsigned char **base) {
    install_handler();
    void *mapped = mmap(NULL, length, PROT_READ, MAP_PRIVATE, descriptor, 0);
    if (mapped == MAP_FAILED) return -1;
    unsigned long hint = atomic_fetch_add(&next_slot, 1);
    for (unsigned long tried = 0; tried < SLOTS; tried++) {
        long k = (long)((hint + tried) % SLOTS);
        unsigned long expected = 0;
        if (!atomic_compare_exchange_strong(&slot_base[k], &expected, 1)) continue;
        atomic_store(&slot_length[k], (unsigned long)length);
        atomic_store(&slot_faults[k], 0);
        atomic_store(&slot_base[k], (unsigned long)mapped);
        *base = mapped;
        return k;
    }
    // More mappings than slots: unguarded would mean a possible crash, so refuse.
    munmap(mapped, length);
    errno = EMFILE;
    return -1;
}

void charlstm_unmap_file(long slot) {
    void *base = (void *)atomic_load(&slot_base[slot]);
    size_t length = atomic_load(&slot_length[slot]);
    atomic_store(&slot_base[slot], 0);
    munmap(base, length);
}

long charlstm_mapping_faults(long slot) { return atomic_load(&slot_faults[slot]); }
