/* The ceiling of POST /api/v1/auth/login: how many crypto_pwhash_str_verify
 * calls per second these cores do at the given Argon2id parameters.
 *
 *   verify_rate OPSLIMIT MEMLIMIT_KIB SECONDS PROCESSES
 *
 * Hashes one password, then PROCESSES children (one per core) verify it in a
 * loop for SECONDS; prints the total verifies per second on stdout. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Verifies until `seconds` have passed; writes "count elapsed" to fd. */
static int verify_loop(const char *hash, const char *password, double seconds, int fd) {
    double start = now(), elapsed = 0;
    long count = 0;
    do {
        if (crypto_pwhash_str_verify(hash, password, strlen(password)) != 0) return 1;
        count++;
        elapsed = now() - start;
    } while (elapsed < seconds);
    dprintf(fd, "%ld %.6f\n", count, elapsed);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s OPSLIMIT MEMLIMIT_KIB SECONDS PROCESSES\n", argv[0]);
        return 2;
    }
    unsigned long long ops = strtoull(argv[1], NULL, 10);
    size_t mem = (size_t)strtoull(argv[2], NULL, 10) * 1024;
    double seconds = atof(argv[3]);
    int procs = atoi(argv[4]);
    const char *password = "Bench-verify-rate-1";
    char hash[crypto_pwhash_STRBYTES];
    if (sodium_init() < 0 || procs < 1 || seconds <= 0 ||
        crypto_pwhash_str_alg(hash, password, strlen(password), ops, mem,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        fprintf(stderr, "verify_rate: cannot hash at opslimit %llu, memlimit %zu bytes\n", ops, mem);
        return 1;
    }
    int pipefd[2];
    if (pipe(pipefd) != 0) return 1;
    for (int i = 0; i < procs; i++) {
        pid_t pid = fork();
        if (pid < 0) return 1;
        if (pid == 0) {
            close(pipefd[0]);
            _exit(verify_loop(hash, password, seconds, pipefd[1]));
        }
    }
    close(pipefd[1]);
    FILE *in = fdopen(pipefd[0], "r");
    double rate = 0;
    long count;
    double elapsed;
    int reports = 0;
    while (in && fscanf(in, "%ld %lf", &count, &elapsed) == 2) {
        rate += (double)count / elapsed;
        reports++;
    }
    int status, failed = 0;
    while (wait(&status) > 0) failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    if (failed || reports != procs) {
        fprintf(stderr, "verify_rate: a verifying process failed\n");
        return 1;
    }
    printf("%.1f\n", rate);
    return 0;
}
