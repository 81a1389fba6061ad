/*
 * bindaddr.so: LD_PRELOAD shim for baresip 1.0.0, whose RTP/RTCP sockets bind to the
 * wildcard address (0.0.0.0). On loopback the kernel then sends its media from 127.0.0.1,
 * not from the 127.0.0.x address its SDP announces. This rewrites bind(0.0.0.0:port) to
 * bind($BINDADDR:port), so each peer's media leaves from its own address (symmetric RTP).
 *   cc -shared -fPIC -O2 -o bindaddr.so bindaddr.c -ldl
 *   BINDADDR=127.0.30.1 LD_PRELOAD=./bindaddr.so baresip ...
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    static int (*real_bind)(int, const struct sockaddr *, socklen_t);
    const char *want = getenv("BINDADDR");
    struct sockaddr_in sin;

    if (!real_bind)
        real_bind = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
    if (want && addr && addr->sa_family == AF_INET && len >= sizeof sin) {
        memcpy(&sin, addr, sizeof sin);
        if (sin.sin_addr.s_addr == htonl(INADDR_ANY) && inet_aton(want, &sin.sin_addr))
            return real_bind(fd, (const struct sockaddr *)&sin, sizeof sin);
    }
    return real_bind(fd, addr, len);
}
