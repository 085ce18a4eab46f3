/* The floor of the FastCGI path: a libfcgi worker that answers every request
 * with the body of Stoa's /health and does nothing else. Started by
 * spawn-fcgi (listening socket on fd 0), one connection at a time. */
#include <fcgiapp.h>

int main(void) {
    static const char answer[] =
        "Status: 200\r\nContent-Type: application/json\r\n\r\n{\"status\":\"ok\"}";
    FCGX_Request req;
    if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0) return 1;
    while (FCGX_Accept_r(&req) >= 0) {
        FCGX_PutStr(answer, (int)(sizeof answer - 1), req.out);
        FCGX_Finish_r(&req);
    }
    return 0;
}
