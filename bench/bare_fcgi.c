/* The floor of the FastCGI path: a libfcgi worker that answers every request
 * with the body of Stoa's /health and does nothing else. Started by
 * spawn-fcgi (listening socket on fd 0), one connection at a time.
 *
 * With --close-outright it ends each connection as Stoa's worker does on a
 * unix socket (src/fcgi/worker.cpp): the rest of stdin read, then close()
 * without libfcgi's shutdown-and-wait for nginx to close first. */
#include <fcgiapp.h>
#include <string.h>

int main(int argc, char **argv) {
    static const char answer[] =
        "Status: 200\r\nContent-Type: application/json\r\n\r\n{\"status\":\"ok\"}";
    int close_outright = argc > 1 && strcmp(argv[1], "--close-outright") == 0;
    char scratch[16384];
    FCGX_Request req;
    if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0) return 1;
    while (FCGX_Accept_r(&req) >= 0) {
        FCGX_PutStr(answer, (int)(sizeof answer - 1), req.out);
        if (close_outright) {
            while (FCGX_GetStr(scratch, (int)sizeof scratch, req.in) > 0) {
            }
            if (FCGX_GetError(req.in) == 0 && FCGX_HasSeenEOF(req.in)) req.detached = 1;
        }
        FCGX_Finish_r(&req);
    }
    return 0;
}
