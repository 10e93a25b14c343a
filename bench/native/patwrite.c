/* patwrite: writes TOTAL bytes to stdout as fast as it can in 64 KiB writes.
 * Block k (the k-th 64 KiB of the stream) is 4096 copies of the 16-byte line
 * "B%014llu\n" with k as the number, so a reader can check that what arrived
 * is exactly the contiguous stream (nothing lost, duplicated or reordered)
 * while regenerating each expected block cheaply. TOTAL must be a multiple of
 * 16. Usage: patwrite TOTAL */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK 65536
#define LINE 16

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: patwrite TOTAL_BYTES\n");
        return 2;
    }
    unsigned long long total = strtoull(argv[1], NULL, 10);
    if (total % LINE != 0) {
        fprintf(stderr, "patwrite: TOTAL must be a multiple of %d\n", LINE);
        return 2;
    }
    static char buf[BLOCK];
    unsigned long long block = 0, written = 0;
    while (written < total) {
        size_t want = total - written < BLOCK ? (size_t)(total - written) : BLOCK;
        char line[LINE + 1];
        snprintf(line, sizeof line, "B%014llu\n", block++);
        for (size_t off = 0; off < want; off += LINE) memcpy(buf + off, line, LINE);
        size_t done = 0;
        while (done < want) {
            ssize_t n = write(1, buf + done, want - done);
            if (n < 0) {
                if (errno == EINTR) continue;
                perror("patwrite: write");
                return 1;
            }
            done += (size_t)n;
        }
        written += want;
    }
    return 0;
}
