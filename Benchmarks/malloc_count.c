/* Counts calls to malloc (and the aligned allocators) in a process and prints the total when it exits; used to check that training and
 * sampling steps do not allocate (README, Performance: Allocation). Not part of the build.
 *
 *     gcc -O2 -shared -fPIC Benchmarks/malloc_count.c -o /tmp/malloc_count.so -ldl
 *     LD_PRELOAD=/tmp/malloc_count.so .build/release/charlstm bench --hidden 128 --steps 20 --threads 2
 *     LD_PRELOAD=/tmp/malloc_count.so .build/release/charlstm bench --hidden 128 --steps 40 --threads 2
 *
 * The difference between the two totals, divided by 20, is what one training step allocates (likewise with
 * --sample-chars 2000 and 6000 for one sampled character). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static atomic_long calls;
static void *(*real_malloc)(size_t);

void *malloc(size_t size) {
    if (!real_malloc) real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    atomic_fetch_add(&calls, 1);
    return real_malloc(size);
}

// The aligned allocators too (FloatBuffer and the bf16 kernels' packing buffers are 64-byte aligned).
static void *(*real_aligned_alloc)(size_t, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);

void *aligned_alloc(size_t alignment, size_t size) {
    if (!real_aligned_alloc) real_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
    atomic_fetch_add(&calls, 1);
    return real_aligned_alloc(alignment, size);
}

int posix_memalign(void **pointer, size_t alignment, size_t size) {
    if (!real_posix_memalign) real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
    atomic_fetch_add(&calls, 1);
    return real_posix_memalign(pointer, alignment, size);
}

__attribute__((destructor)) static void report(void) {
    char line[64];
    int length = snprintf(line, sizeof line, "malloc calls: %ld\n", (long)atomic_load(&calls));
    if (length > 0) (void)write(2, line, (size_t)length);
}
