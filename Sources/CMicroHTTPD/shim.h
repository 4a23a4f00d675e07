#ifndef TOOLGATE_CMICROHTTPD_SHIM_H
#define TOOLGATE_CMICROHTTPD_SHIM_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <microhttpd.h>

/* MHD_start_daemon is variadic: every option goes through one MHD_OPTION_ARRAY. */
static inline struct MHD_Daemon *cmhd_start_daemon(unsigned int flags, uint16_t port,
                                                   MHD_AccessHandlerCallback handler, void *handler_context,
                                                   struct MHD_OptionItem *options) {
    return MHD_start_daemon(flags, port, NULL, NULL, handler, handler_context,
                            MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

/* Macros with casts do not import into Swift. */
static const uint64_t cmhd_size_unknown = MHD_SIZE_UNKNOWN;
static const ssize_t cmhd_content_reader_end_of_stream = MHD_CONTENT_READER_END_OF_STREAM;
static const ssize_t cmhd_content_reader_end_with_error = MHD_CONTENT_READER_END_WITH_ERROR;

/* MHD_OPTION_URI_LOG_CALLBACK takes a function of this type; the header names none. Its result becomes the
   request's context pointer (`*req_cls` in the access handler and the completion callback). */
typedef void *(*cmhd_uri_log_callback)(void *context, const char *uri, struct MHD_Connection *connection);

/* Option items, typed: an MHD_OptionItem carries function pointers in its intptr_t `value`, which Swift cannot
   fill without bit casts. */
static inline struct MHD_OptionItem cmhd_option_end(void) {
    struct MHD_OptionItem item = { MHD_OPTION_END, 0, NULL };
    return item;
}

static inline struct MHD_OptionItem cmhd_option_uint(enum MHD_OPTION option, unsigned int value) {
    struct MHD_OptionItem item = { option, (intptr_t)value, NULL };
    return item;
}

static inline struct MHD_OptionItem cmhd_option_size(enum MHD_OPTION option, size_t value) {
    struct MHD_OptionItem item = { option, (intptr_t)value, NULL };
    return item;
}

static inline struct MHD_OptionItem cmhd_option_pointer(enum MHD_OPTION option, void *pointer) {
    struct MHD_OptionItem item = { option, 0, pointer };
    return item;
}

static inline struct MHD_OptionItem cmhd_option_listen_socket(int fd) {
    struct MHD_OptionItem item = { MHD_OPTION_LISTEN_SOCKET, (intptr_t)fd, NULL };
    return item;
}

static inline struct MHD_OptionItem cmhd_option_notify_completed(MHD_RequestCompletedCallback callback,
                                                                 void *context) {
    struct MHD_OptionItem item = { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)callback, context };
    return item;
}

static inline struct MHD_OptionItem cmhd_option_notify_connection(MHD_NotifyConnectionCallback callback,
                                                                  void *context) {
    struct MHD_OptionItem item = { MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)callback, context };
    return item;
}

static inline struct MHD_OptionItem cmhd_option_uri_log(cmhd_uri_log_callback callback, void *context) {
    struct MHD_OptionItem item = { MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)callback, context };
    return item;
}

static inline struct MHD_OptionItem cmhd_option_external_logger(MHD_LogCallback callback, void *context) {
    struct MHD_OptionItem item = { MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)callback, context };
    return item;
}

/* MHD_get_connection_info is variadic. */
static inline int cmhd_connection_fd(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info == NULL ? -1 : info->connect_fd;
}

static inline const struct sockaddr *cmhd_connection_client_address(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return info == NULL ? NULL : info->client_addr;
}

/* Bytes of the request line and header fields, as received; 0 if unknown. */
static inline size_t cmhd_connection_header_size(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    return info == NULL ? 0 : info->header_size;
}

/* MHD_get_daemon_info is variadic. */
static inline uint16_t cmhd_daemon_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}

/* Formats one MHD log message (printf format + va_list) into `buffer`; returns the length written. */
static inline size_t cmhd_format_message(char *buffer, size_t capacity, const char *format, va_list arguments) {
    int written = vsnprintf(buffer, capacity, format, arguments);
    if (written < 0) return 0;
    return (size_t)written < capacity ? (size_t)written : capacity - 1;
}

/* Shutdown signals through a self-pipe: the handler only write(2)s the signal number, which is async-signal-safe,
   and sigaction takes effect before it returns (a DispatchSource registers later, so an early signal was lost). */
static int cmhd_signal_pipe_write_fd = -1;

static inline void cmhd_signal_to_pipe(int signal_number) {
    int saved_errno = errno;
    unsigned char byte = (unsigned char)signal_number;
    ssize_t written = write(cmhd_signal_pipe_write_fd, &byte, 1);
    (void)written;
    errno = saved_errno;
}

/* Routes `signal_number` to `write_fd` (one byte per signal); 0, or -1 with errno. */
static inline int cmhd_catch_signal(int signal_number, int write_fd) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    cmhd_signal_pipe_write_fd = write_fd;
    action.sa_handler = cmhd_signal_to_pipe;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    return sigaction(signal_number, &action, NULL);
}

/* The disconnect watcher's epoll set; struct epoll_event is packed on x86-64, so Swift does not build it.
   Each registration is one-shot and reports peer hang-up only, tagged with a request id. */
static inline int cmhd_watch_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

/* An eventfd that wakes the watcher thread when the server stops. */
static inline int cmhd_wake_create(void) {
    return eventfd(0, EFD_CLOEXEC);
}

static inline int cmhd_watch_add(int epoll_fd, int fd, uint64_t id) {
    struct epoll_event event;
    event.events = EPOLLRDHUP | EPOLLONESHOT;
    event.data.u64 = id;
    return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
}

static inline int cmhd_watch_add_readable(int epoll_fd, int fd, uint64_t id) {
    struct epoll_event event;
    event.events = EPOLLIN;
    event.data.u64 = id;
    return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
}

static inline int cmhd_watch_remove(int epoll_fd, int fd) {
    return epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
}

/* Waits for events and stores their ids; returns the count, or -1 with errno. */
static inline int cmhd_watch_wait(int epoll_fd, uint64_t *ids, int capacity) {
    struct epoll_event events[64];
    if (capacity > 64) capacity = 64;
    int count = epoll_wait(epoll_fd, events, capacity, -1);
    for (int i = 0; i < count; i++) ids[i] = events[i].data.u64;
    return count;
}

#endif
