/* rpcload: the raw HTTP client for the RPC latency and concurrency workloads.
 * CLIENTS threads each open one keep-alive connection to the unix socket and
 * send the prebuilt request (the bytes of REQFILE) back to back, reading every
 * response fully (Content-Length or chunked) without parsing the XML.
 * Stops after COUNT calls per client (COUNT > 0) or after SECONDS (COUNT == 0);
 * in time mode, calls that finish after the window are not counted, and calls
 * still unanswered 5 s after it are cut off.
 * Prints: "calls N errors E p50_us X p99_us Y max_us Z first_error ...".
 * Usage: rpcload SOCKET REQFILE CLIENTS COUNT SECONDS */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *sock_path;
static char *req;
static size_t req_len;
static long count_per_client;
static double window_end;
static pthread_barrier_t start_barrier;
static pthread_mutex_t err_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_error[256];
static long error_count;

struct client {
    double *lat;
    long n, cap;
    volatile int fd;
    volatile int done;
};

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void fail(const char *what) {
    pthread_mutex_lock(&err_lock);
    if (!error_count) snprintf(first_error, sizeof first_error, "%s: %s", what, strerror(errno));
    error_count++;
    pthread_mutex_unlock(&err_lock);
}

static int connect_sock(void) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strncpy(a.sun_path, sock_path, sizeof a.sun_path - 1);
    struct timeval tv = {.tv_sec = 120};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A growable receive buffer with a read position. */
struct rbuf {
    char *d;
    size_t len, pos, cap;
};

static int fill(int fd, struct rbuf *b) {
    if (b->cap - b->len < 65536) {
        if (b->pos > 0) {
            memmove(b->d, b->d + b->pos, b->len - b->pos);
            b->len -= b->pos;
            b->pos = 0;
        }
        if (b->cap - b->len < 65536) {
            b->cap = b->cap * 2 + 262144;
            b->d = realloc(b->d, b->cap);
        }
    }
    ssize_t n = recv(fd, b->d + b->len, b->cap - b->len, 0);
    if (n <= 0) return -1;
    b->len += (size_t)n;
    return 0;
}

static char *find(struct rbuf *b, const char *s) {
    size_t sl = strlen(s);
    for (size_t i = b->pos; i + sl <= b->len; i++)
        if (memcmp(b->d + i, s, sl) == 0) return b->d + i;
    return NULL;
}

/* Reads one whole response; 0 on success. */
static int read_response(int fd, struct rbuf *b) {
    char *end;
    if (b->pos == b->len) b->pos = b->len = 0;
    while (!(end = find(b, "\r\n\r\n")))
        if (fill(fd, b) < 0) return -1;
    size_t head_len = (size_t)(end - (b->d + b->pos)) + 4;
    if (b->len - b->pos < 12 || memcmp(b->d + b->pos + 9, "200", 3) != 0) return -2;
    long clen = -1;
    int chunked = 0;
    for (char *p = b->d + b->pos; p < end; p++) {
        if (*p != '\n') continue;
        if (strncasecmp(p + 1, "content-length:", 15) == 0) clen = strtol(p + 16, NULL, 10);
        if (strncasecmp(p + 1, "transfer-encoding:", 18) == 0 && strstr(p + 19, "chunked") &&
            strstr(p + 19, "chunked") < end)
            chunked = 1;
    }
    b->pos += head_len;
    if (clen >= 0) {
        while (b->len - b->pos < (size_t)clen) {
            /* consume what we have so the buffer does not grow with the body */
            clen -= (long)(b->len - b->pos);
            b->pos = b->len;
            if (fill(fd, b) < 0) return -1;
        }
        b->pos += (size_t)clen;
        return 0;
    }
    if (chunked) {
        while (1) {
            char *nl;
            while (!(nl = find(b, "\r\n")))
                if (fill(fd, b) < 0) return -1;
            long size = strtol(b->d + b->pos, NULL, 16);
            b->pos = (size_t)(nl - b->d) + 2;
            long need = size + 2;
            while ((long)(b->len - b->pos) < need) {
                need -= (long)(b->len - b->pos);
                b->pos = b->len;
                if (fill(fd, b) < 0) return -1;
            }
            b->pos += (size_t)need;
            if (size == 0) return 0;
        }
    }
    return -3; /* close-delimited bodies are not used by either daemon */
}

static void *run(void *arg) {
    struct client *c = arg;
    struct rbuf b = {0};
    int fd = connect_sock();
    if (fd < 0) fail("connect");
    c->fd = fd;
    pthread_barrier_wait(&start_barrier);
    if (fd < 0) {
        c->done = 1;
        return NULL;
    }
    for (long i = 0; count_per_client == 0 || i < count_per_client; i++) {
        double t = now();
        if (count_per_client == 0 && t >= window_end) break;
        size_t off = 0;
        while (off < req_len) {
            ssize_t n = send(fd, req + off, req_len - off, MSG_NOSIGNAL);
            if (n <= 0) break;
            off += (size_t)n;
        }
        int rc = off == req_len ? read_response(fd, &b) : -1;
        double t2 = now();
        if (rc != 0) {
            if (count_per_client != 0 || t2 < window_end) fail(rc == -2 ? "HTTP status not 200" : "response");
            break;
        }
        if (count_per_client == 0 && t2 > window_end) break;
        if (c->n == c->cap) {
            c->cap = c->cap * 2 + 1024;
            c->lat = realloc(c->lat, c->cap * sizeof(double));
        }
        c->lat[c->n++] = t2 - t;
    }
    c->done = 1;
    free(b.d);
    return NULL;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: rpcload SOCKET REQFILE CLIENTS COUNT SECONDS\n");
        return 2;
    }
    sock_path = argv[1];
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        perror("rpcload: request file");
        return 2;
    }
    req = malloc(1 << 20);
    req_len = fread(req, 1, 1 << 20, f);
    fclose(f);
    int clients = atoi(argv[3]);
    count_per_client = atol(argv[4]);
    double seconds = atof(argv[5]);
    struct client *cs = calloc((size_t)clients, sizeof *cs);
    for (int i = 0; i < clients; i++) cs[i].fd = -1;
    pthread_t *th = calloc((size_t)clients, sizeof *th);
    pthread_barrier_init(&start_barrier, NULL, (unsigned)clients + 1);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 128 * 1024);
    for (int i = 0; i < clients; i++) pthread_create(&th[i], &attr, run, &cs[i]);
    double t0 = now();
    window_end = t0 + seconds;
    pthread_barrier_wait(&start_barrier);
    t0 = now();
    window_end = t0 + seconds;
    if (count_per_client == 0) {
        /* Time mode: calls still running 5 s after the window are cut off (they
         * would not count anyway), so a slow server cannot stretch the run. */
        while (now() < window_end + 5.0) {
            int all = 1;
            for (int i = 0; i < clients; i++) all &= cs[i].done;
            if (all) break;
            usleep(20000);
        }
        for (int i = 0; i < clients; i++)
            if (!cs[i].done && cs[i].fd >= 0) shutdown(cs[i].fd, SHUT_RDWR);
    }
    for (int i = 0; i < clients; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < clients; i++)
        if (cs[i].fd >= 0) close(cs[i].fd);
    double elapsed = now() - t0;
    long total = 0;
    for (int i = 0; i < clients; i++) total += cs[i].n;
    double *all = malloc((size_t)(total ? total : 1) * sizeof(double));
    long k = 0;
    for (int i = 0; i < clients; i++) {
        memcpy(all + k, cs[i].lat, (size_t)cs[i].n * sizeof(double));
        k += cs[i].n;
    }
    qsort(all, (size_t)total, sizeof(double), cmp);
    double p50 = total ? all[(long)((total - 1) * 0.50 + 0.5)] : -1;
    double p99 = total ? all[(long)((total - 1) * 0.99 + 0.5)] : -1;
    double mx = total ? all[total - 1] : -1;
    printf("calls %ld errors %ld elapsed_s %.6f p50_us %.1f p99_us %.1f max_us %.1f first_error %s\n",
           total, error_count, elapsed, p50 * 1e6, p99 * 1e6, mx * 1e6,
           error_count ? first_error : "-");
    return 0;
}
