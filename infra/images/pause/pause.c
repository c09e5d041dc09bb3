/*
 * pause: the process that holds a pod's namespaces open. It does nothing until SIGINT or SIGTERM,
 * exits 0 then, and reaps every child that is reparented to it (it runs as PID 1 of the pod).
 * Written for gardener-ts; built with `gcc -static -Os` into the pause image.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define VERSION "3.10"

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig) { stop_signal = sig; }

static void on_child(int sig) { (void)sig; }

int main(int argc, char **argv) {
  if (argc > 1 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0)) {
    printf("pause %s (gardener-ts)\n", VERSION);
    return 0;
  }
  if (getpid() != 1) fprintf(stderr, "pause: warning: not running as PID 1\n");

  /* Block the signals we wait for, so none can arrive between the check and sigsuspend(). */
  sigset_t waited, previous;
  sigemptyset(&waited);
  sigaddset(&waited, SIGINT);
  sigaddset(&waited, SIGTERM);
  sigaddset(&waited, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &waited, &previous) != 0) {
    perror("pause: sigprocmask");
    return 1;
  }

  struct sigaction stop = {0};
  stop.sa_handler = on_stop;
  sigemptyset(&stop.sa_mask);
  struct sigaction child = {0};
  child.sa_handler = on_child;
  child.sa_flags = SA_NOCLDSTOP;
  sigemptyset(&child.sa_mask);
  if (sigaction(SIGINT, &stop, NULL) != 0 || sigaction(SIGTERM, &stop, NULL) != 0 ||
      sigaction(SIGCHLD, &child, NULL) != 0) {
    perror("pause: sigaction");
    return 1;
  }

  sigset_t during = previous;
  sigdelset(&during, SIGINT);
  sigdelset(&during, SIGTERM);
  sigdelset(&during, SIGCHLD);
  while (!stop_signal) {
    sigsuspend(&during); /* returns after a handler ran; the waited signals are blocked again */
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
  }
  fprintf(stderr, "pause: shutting down, got signal %d (%s)\n", (int)stop_signal, strsignal(stop_signal));
  return 0;
}
