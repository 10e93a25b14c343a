/* spawn_floor: the floor for the spawn benchmark. Launches COUNT copies of a
 * command with posix_spawn (the cheapest mainstream way to fork/exec; glibc
 * returns only once the child has exec'd), prints "done <ns>" with the time
 * it took, then waits to be killed. No pipes, no logging, no bookkeeping: this
 * is the least any process supervisor could do for the same launch.
 * Usage: spawn_floor COUNT /abs/path/cmd [args...] */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: spawn_floor COUNT /abs/path/cmd [args...]\n");
        return 2;
    }
    long count = strtol(argv[1], NULL, 10);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < count; i++) {
        pid_t pid;
        int rc = posix_spawn(&pid, argv[2], NULL, NULL, &argv[2], environ);
        if (rc != 0) {
            fprintf(stderr, "spawn_floor: posix_spawn failed at %ld: error %d\n", i, rc);
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    long long ns = (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
    printf("done %lld\n", ns);
    fflush(stdout);
    for (;;) pause();
}
