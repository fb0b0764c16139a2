// Relay between two TCP sockets with splice(2): socket -> pipe -> socket, so
// the bytes are never copied into the Node process. It knows nothing of what
// the bytes are (no FTP, no HTTP, no line ends): it moves them, up to a limit,
// and says how it ended.
//
// One relay is one thread that blocks in poll(2): libuv's loop is never
// involved, and the JS side keeps both sockets paused and idle meanwhile.
// The thread works on dup(2)s of the two descriptors, so a socket that Node
// closes during the relay can never be replaced, under the same number, by an
// unrelated connection that would then receive our bytes.
//
// Protocol with JS (src/relay/relay.ts):
//   start(src, dst, limit, idleMs, onEvent) -> handle   (limit < 0: none)
//   onEvent(READY, 0, 0, 0, 0) once at least one byte is queued on src
//     (JS then makes the destination ready and calls go), and
//   onEvent(DONE, status, bytesOut, errno, bytesIn) once at the end.
//   go(handle), abort(handle)
//   bytes(handle) -> [bytesOut, bytesIn, status, errno]: status 0 while it
//     runs. JS polls it, so a DONE event that could not be delivered still
//     settles the relay's promise.
//   abi: the version of this protocol (the wrapper refuses a stale build).
//
// Every wait is bounded by idleMs, and abort wakes the thread at once: the
// thread always ends, and its end is always readable through bytes().
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define RELAY_ABI 2

enum { EV_READY = 1, EV_DONE = 2 };
enum {
  ST_EOF = 1,          // the source ended (FIN) and everything read was written
  ST_LIMIT = 2,        // `limit` bytes were written; the source was left as it was
  ST_NOT_STARTED = 3,  // stopped before GO, or the source ended or failed first: nothing was read
  ST_SRC_ERROR = 4,
  ST_DST_ERROR = 5,
  ST_TIMEOUT = 6,  // no progress for idleMs
  ST_ABORTED = 7,
};
enum { WAITING = 0, GO = 1, ABORT = 2 };

#define CHUNK (1 << 20)

typedef struct {
  int kind, status, err;
  double bytes, bytes_in;
} event_t;

typedef struct {
  int src, dst, wake, pipe_r, pipe_w;
  int64_t limit;  // < 0: none
  int idle_ms;
  _Atomic int64_t bytes;     // written to dst
  _Atomic int64_t bytes_in;  // read from src
  _Atomic int state;
  _Atomic int refs;  // the thread and the JS handle
  _Atomic int result;  // the final status once the thread is done, else 0
  _Atomic int result_errno;
  pthread_mutex_t lock;  // guards `wake` against its close at the end
  int finished;
  // Allocated up front, so that no event is lost to a failed malloc. Each
  // belongs to the relay until handed to the thread-safe function.
  event_t *ready_event, *done_event;
  napi_threadsafe_function tsfn;
} relay_t;

static void relay_unref(relay_t *r) {
  if (atomic_fetch_sub(&r->refs, 1) == 1) {
    free(r->ready_event);
    free(r->done_event);
    pthread_mutex_destroy(&r->lock);
    free(r);
  }
}

// Hands the event to JS; 0 when it was queued. When it could not be (the
// environment is closing), JS still sees the end through bytes().
static int emit(relay_t *r, event_t **slot, int kind, int status, int err) {
  event_t *ev = *slot;
  *slot = NULL;
  ev->kind = kind;
  ev->status = status;
  ev->err = err;
  ev->bytes = (double)atomic_load(&r->bytes);
  ev->bytes_in = (double)atomic_load(&r->bytes_in);
  if (napi_call_threadsafe_function(r->tsfn, ev, napi_tsfn_blocking) != napi_ok) {
    free(ev);
    return -1;
  }
  return 0;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// Waits until `fd` has `events` (or an error), the relay is told to stop, or
// the idle time since `since` runs out. 0: ready; else a status.
static int wait_fd(relay_t *r, int fd, short events, int64_t since) {
  for (;;) {
    if (atomic_load(&r->state) == ABORT) return ST_ABORTED;
    int left = (int)(since + r->idle_ms - now_ms());
    if (left <= 0) return ST_TIMEOUT;
    struct pollfd p[2] = {{fd, events, 0}, {r->wake, POLLIN, 0}};
    int n = poll(p, 2, left);
    if (n < 0 && errno != EINTR) return fd == r->dst ? ST_DST_ERROR : ST_SRC_ERROR;
    if (p[1].revents) {
      uint64_t v;
      ssize_t ignored = read(r->wake, &v, sizeof v);
      (void)ignored;
    }
    if (p[0].revents) return 0;
  }
}

// Until GO nothing is read: an abort or an empty source leaves both sockets
// as they were, for the caller's stream path. 0: go on; else a status.
static int await_go(relay_t *r) {
  int64_t since = now_ms();
  int st = wait_fd(r, r->src, POLLIN, since);
  if (st) return st == ST_ABORTED ? ST_NOT_STARTED : st;
  int queued = 0;
  if (ioctl(r->src, FIONREAD, &queued) < 0 || queued <= 0) return ST_NOT_STARTED;
  if (emit(r, &r->ready_event, EV_READY, 0, 0) != 0) return ST_NOT_STARTED;
  while (atomic_load(&r->state) == WAITING) {
    st = wait_fd(r, r->wake, POLLIN, since);
    if (st) return st == ST_ABORTED ? ST_NOT_STARTED : st;
  }
  return atomic_load(&r->state) == ABORT ? ST_NOT_STARTED : 0;
}

static int run_splice(relay_t *r, int *err) {
  int64_t since = now_ms();
  for (;;) {
    size_t want = CHUNK;
    if (r->limit >= 0) {
      int64_t left = r->limit - atomic_load(&r->bytes);
      if (left <= 0) return ST_LIMIT;
      if ((int64_t)want > left) want = (size_t)left;
    }
    ssize_t in = splice(r->src, NULL, r->pipe_w, NULL, want, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (in == 0) return ST_EOF;
    if (in < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) {
        *err = errno;
        return ST_SRC_ERROR;
      }
      int st = wait_fd(r, r->src, POLLIN, since);
      if (st) return st;
      continue;
    }
    since = now_ms();
    atomic_fetch_add(&r->bytes_in, in);
    while (in > 0) {
      ssize_t out = splice(r->pipe_r, NULL, r->dst, NULL, (size_t)in, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (out > 0) {
        in -= out;
        atomic_fetch_add(&r->bytes, out);
        since = now_ms();
        continue;
      }
      if (out < 0 && errno == EINTR) continue;
      if (out < 0 && errno == EAGAIN) {
        int st = wait_fd(r, r->dst, POLLOUT, since);
        if (st) return st;
        continue;
      }
      *err = out < 0 ? errno : EPIPE;
      return ST_DST_ERROR;
    }
  }
}

static void *thread_main(void *arg) {
  relay_t *r = arg;
  int err = 0;
  int status = await_go(r);
  if (!status) status = run_splice(r, &err);
  close(r->src);
  close(r->dst);
  close(r->pipe_r);
  close(r->pipe_w);
  pthread_mutex_lock(&r->lock);
  r->finished = 1;
  close(r->wake);
  pthread_mutex_unlock(&r->lock);
  atomic_store(&r->result_errno, err);
  atomic_store(&r->result, status);
  emit(r, &r->done_event, EV_DONE, status, err);
  napi_release_threadsafe_function(r->tsfn, napi_tsfn_release);
  relay_unref(r);
  return NULL;
}

static void call_js(napi_env env, napi_value cb, void *ctx, void *data) {
  (void)ctx;
  event_t *ev = data;
  if (env && cb) {
    napi_value argv[5], undef;
    napi_create_int32(env, ev->kind, &argv[0]);
    napi_create_int32(env, ev->status, &argv[1]);
    napi_create_double(env, ev->bytes, &argv[2]);
    napi_create_int32(env, ev->err, &argv[3]);
    napi_create_double(env, ev->bytes_in, &argv[4]);
    napi_get_undefined(env, &undef);
    napi_call_function(env, undef, cb, 5, argv, NULL);
  }
  free(ev);
}

static void finalize_handle(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  relay_t *r = data;
  // A handle collected before go/abort must not leave its thread waiting.
  int expected = WAITING;
  atomic_compare_exchange_strong(&r->state, &expected, ABORT);
  relay_unref(r);
}

#define THROW(msg)                    \
  do {                                \
    napi_throw_error(env, NULL, msg); \
    return NULL;                      \
  } while (0)

static void close_all(relay_t *r) {
  int all[] = {r->src, r->dst, r->wake, r->pipe_r, r->pipe_w};
  for (int i = 0; i < 5; i++)
    if (all[i] >= 0) close(all[i]);
}

static void free_relay(relay_t *r) {
  free(r->ready_event);
  free(r->done_event);
  pthread_mutex_destroy(&r->lock);
  free(r);
}

static napi_value start(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5) THROW("start(src, dst, limit, idleMs, onEvent)");
  int32_t src, dst, idle;
  int64_t limit;
  if (napi_get_value_int32(env, argv[0], &src) != napi_ok || napi_get_value_int32(env, argv[1], &dst) != napi_ok ||
      napi_get_value_int64(env, argv[2], &limit) != napi_ok || napi_get_value_int32(env, argv[3], &idle) != napi_ok)
    THROW("start: numbers expected");
  if (src < 0 || dst < 0 || idle <= 0) THROW("start: bad descriptor or idle time");

  relay_t *r = calloc(1, sizeof *r);
  if (!r) THROW("start: out of memory");
  r->src = r->dst = r->wake = r->pipe_r = r->pipe_w = -1;
  r->limit = limit;
  r->idle_ms = idle;
  atomic_init(&r->refs, 2);
  pthread_mutex_init(&r->lock, NULL);
  r->ready_event = malloc(sizeof(event_t));
  r->done_event = malloc(sizeof(event_t));
  if (!r->ready_event || !r->done_event) {
    free_relay(r);
    THROW("start: out of memory");
  }
  int fds[2] = {-1, -1};
  r->src = fcntl(src, F_DUPFD_CLOEXEC, 0);
  r->dst = fcntl(dst, F_DUPFD_CLOEXEC, 0);
  r->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  int piped = pipe2(fds, O_NONBLOCK | O_CLOEXEC);
  r->pipe_r = fds[0];
  r->pipe_w = fds[1];
  if (r->src < 0 || r->dst < 0 || r->wake < 0 || piped < 0) {
    int e = errno;
    close_all(r);
    free_relay(r);
    napi_throw_error(env, NULL, strerror(e));
    return NULL;
  }
  // A larger pipe moves more per splice; refusal (pipe-max-size) is harmless.
  fcntl(r->pipe_w, F_SETPIPE_SZ, CHUNK);

  napi_value name;
  napi_create_string_utf8(env, "socketRelay", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[4], NULL, name, 0, 1, NULL, NULL, NULL, call_js, &r->tsfn) != napi_ok) {
    close_all(r);
    free_relay(r);
    THROW("start: cannot create the callback");
  }
  napi_value handle;
  if (napi_create_external(env, r, finalize_handle, NULL, &handle) != napi_ok) {
    napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);
    close_all(r);
    free_relay(r);
    THROW("start: cannot create the handle");
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t t;
  int rc = pthread_create(&t, &attr, thread_main, r);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    // The handle's finalizer will drop the JS reference; drop the thread's here.
    napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);
    close_all(r);
    relay_unref(r);
    napi_throw_error(env, NULL, strerror(rc));
    return NULL;
  }
  return handle;
}

static relay_t *unwrap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "a relay handle expected");
    return NULL;
  }
  return data;
}

static void signal_state(relay_t *r, int to) {
  int expected = WAITING;
  if (to == GO)
    atomic_compare_exchange_strong(&r->state, &expected, GO);
  else
    atomic_store(&r->state, ABORT);
}

static napi_value wake_with(napi_env env, napi_callback_info info, int to) {
  relay_t *r = unwrap(env, info);
  if (!r) return NULL;
  signal_state(r, to);
  pthread_mutex_lock(&r->lock);
  if (!r->finished) {
    uint64_t one = 1;
    ssize_t ignored = write(r->wake, &one, sizeof one);
    (void)ignored;
  }
  pthread_mutex_unlock(&r->lock);
  return NULL;
}

static napi_value go(napi_env env, napi_callback_info info) { return wake_with(env, info, GO); }
static napi_value abort_relay(napi_env env, napi_callback_info info) { return wake_with(env, info, ABORT); }

static napi_value bytes(napi_env env, napi_callback_info info) {
  relay_t *r = unwrap(env, info);
  if (!r) return NULL;
  // The result first: once it is set, the counts are final.
  int status = atomic_load(&r->result);
  napi_value list, v;
  napi_create_array_with_length(env, 4, &list);
  napi_create_double(env, (double)atomic_load(&r->bytes), &v);
  napi_set_element(env, list, 0, v);
  napi_create_double(env, (double)atomic_load(&r->bytes_in), &v);
  napi_set_element(env, list, 1, v);
  napi_create_int32(env, status, &v);
  napi_set_element(env, list, 2, v);
  napi_create_int32(env, status ? atomic_load(&r->result_errno) : 0, &v);
  napi_set_element(env, list, 3, v);
  return list;
}

NAPI_MODULE_INIT() {
  napi_value abi;
  napi_create_int32(env, RELAY_ABI, &abi);
  napi_property_descriptor props[] = {
      {"start", NULL, start, NULL, NULL, NULL, napi_default, NULL},
      {"go", NULL, go, NULL, NULL, NULL, napi_default, NULL},
      {"abort", NULL, abort_relay, NULL, NULL, NULL, napi_default, NULL},
      {"bytes", NULL, bytes, NULL, NULL, NULL, napi_default, NULL},
      {"abi", NULL, NULL, NULL, NULL, abi, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
