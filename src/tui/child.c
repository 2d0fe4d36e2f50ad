/*
 * child.c - ':' commands run as a child process (the yujing program
 * itself), so the workbench never waits for them.
 *
 * The child's standard output and error go to a pseudo-terminal when one
 * can be had (the CLI then flushes line by line and draws its progress
 * line, so training shows as it goes), else to a pipe; its standard input
 * is /dev/null.  What it writes becomes lines of the message pane: escape
 * sequences are dropped and a carriage return starts the line over.
 */
#include <config.h>

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "tui.h"
#include "yujing/base/i18n.h"

/* Open a pseudo-terminal: *master and *slave, both close-on-exec. */
static int open_pty(int *master, int *slave)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -1;
	char name[128];
	if (grantpt(m) || unlockpt(m) || ptsname_r(m, name, sizeof name)) {
		close(m);
		return -1;
	}
	int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		close(m);
		return -1;
	}
	struct termios tio;
	if (tcgetattr(s, &tio) == 0) {
		/* No output processing: "\n" stays "\n". */
		cfmakeraw(&tio);
		tcsetattr(s, TCSANOW, &tio);
	}
	struct winsize ws = {0};
	ws.ws_row = 24;
	ws.ws_col = (unsigned short)(COLS > 20 ? COLS - 2 : 78);
	ioctl(s, TIOCSWINSZ, &ws);
	*master = m;
	*slave = s;
	return 0;
}

int tui_child_start(tui_app *a, char **argv)
{
	if (a->child_pid > 0) {
		tui_message(a, 1, _("'%s' is still running (Ctrl-C interrupts it)"), a->child_name);
		return -1;
	}
	int rd, wr;
	if (open_pty(&rd, &wr)) {
		int fds[2];
		if (pipe2(fds, O_CLOEXEC)) {
			tui_message(a, 1, _("cannot run '%s': %s"), argv[1], strerror(errno));
			return -1;
		}
		rd = fds[0];
		wr = fds[1];
	}
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid_t pid = fork();
	if (pid < 0) {
		tui_message(a, 1, _("cannot run '%s': %s"), argv[1], strerror(errno));
		close(rd);
		close(wr);
		if (devnull >= 0)
			close(devnull);
		return -1;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls from here to exec.  The command
		 * yields the processor to the screen (see TUI_CHILD_NICE). */
		setsid();
		setpriority(PRIO_PROCESS, 0, TUI_CHILD_NICE);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(wr, 1);
		dup2(wr, 2);
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_DFL;
		sigaction(SIGWINCH, &sa, NULL);
		sigaction(SIGPIPE, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		execv(a->self_path[0] ? a->self_path : a->self, argv);
		_exit(127);
	}
	close(wr);
	if (devnull >= 0)
		close(devnull);
	fcntl(rd, F_SETFL, fcntl(rd, F_GETFL) | O_NONBLOCK);
	a->child_pid = pid;
	a->child_fd = rd;
	a->child_eof = 0;
	a->child_plen = 0;
	a->child_esc = a->child_cr = 0;
	a->child_last_err[0] = '\0';
	free(a->child_name);
	a->child_name = strdup(argv[1]);
	a->pane_open = 1;
	a->pane_scroll = 0;
	return 0;
}

static void flush_line(tui_app *a)
{
	a->child_partial[a->child_plen] = '\0';
	tui_log(a, 0, a->child_partial);
	/* An error the CLI printed: "yujing: ..." or "yujing CMD: ...". */
	if (!strncmp(a->child_partial, PACKAGE, strlen(PACKAGE)) && strchr(a->child_partial, ':'))
		snprintf(a->child_last_err, sizeof a->child_last_err, "%.*s",
			 (int)sizeof a->child_last_err - 1, a->child_partial);
	a->child_plen = 0;
}

void tui_child_read(tui_app *a)
{
	char buf[4096];
	for (;;) {
		ssize_t n = read(a->child_fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			/* End of output (EIO from a pty whose child closed it). */
			if (a->child_plen)
				flush_line(a);
			close(a->child_fd);
			a->child_fd = -1;
			a->child_eof = 1;
			return;
		}
		for (ssize_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)buf[i];
			if (a->child_esc) {
				/* CSI: ESC [ params final; others: ESC + one char. */
				if (a->child_esc == 1)
					a->child_esc = c == '[' ? 2 : 0;
				else if (c >= 0x40 && c <= 0x7e)
					a->child_esc = 0;
				continue;
			}
			/* "\r\n" ends a line; a lone "\r" starts it over. */
			if (a->child_cr && c != '\n')
				a->child_plen = 0;
			a->child_cr = 0;
			if (c == 0x1b) {
				a->child_esc = 1;
			} else if (c == '\n') {
				flush_line(a);
			} else if (c == '\r') {
				a->child_cr = 1;
			} else {
				if (a->child_plen + 1 >= sizeof a->child_partial)
					flush_line(a);
				a->child_partial[a->child_plen++] = (char)c;
			}
		}
		a->dirty = 1;
	}
}

int tui_child_reap(tui_app *a)
{
	if (a->child_pid <= 0)
		return 0;
	int status;
	pid_t r = waitpid(a->child_pid, &status, WNOHANG);
	if (r == 0)
		return 0;
	if (a->child_fd >= 0) {
		tui_child_read(a);
		if (a->child_fd >= 0) {
			close(a->child_fd);
			a->child_fd = -1;
		}
	}
	a->child_pid = 0;
	char line[1024];
	if (r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		snprintf(line, sizeof line, _("'%s' done"), a->child_name);
		tui_log(a, 2, line);
		tui_message(a, 2, "%s", line);
	} else {
		if (r > 0 && WIFSIGNALED(status))
			snprintf(line, sizeof line, _("'%s' ended by signal %d"), a->child_name, WTERMSIG(status));
		else if (r > 0 && WEXITSTATUS(status) == 127)
			snprintf(line, sizeof line, _("'%s' could not be started"), a->child_name);
		else
			snprintf(line, sizeof line, _("'%s' failed (exit %d)"), a->child_name,
				 r > 0 ? WEXITSTATUS(status) : -1);
		tui_log(a, 3, line);
		if (a->child_last_err[0])
			tui_message(a, 1, "%s: %s", line, a->child_last_err);
		else
			tui_message(a, 1, "%s", line);
	}
	tui_project_changed(a);
	return 1;
}

void tui_child_interrupt(tui_app *a)
{
	if (a->child_pid > 0) {
		kill(a->child_pid, SIGINT);
		tui_message(a, 0, _("interrupting '%s'..."), a->child_name);
	} else {
		tui_message(a, 0, _("no command is running"));
	}
}

void tui_child_stop(tui_app *a)
{
	if (a->child_pid <= 0)
		return;
	kill(a->child_pid, SIGINT);
	for (int i = 0; i < 60; i++) {
		if (waitpid(a->child_pid, NULL, WNOHANG) == a->child_pid) {
			a->child_pid = 0;
			break;
		}
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (a->child_pid > 0) {
		kill(a->child_pid, SIGKILL);
		waitpid(a->child_pid, NULL, 0);
		a->child_pid = 0;
	}
	if (a->child_fd >= 0) {
		close(a->child_fd);
		a->child_fd = -1;
	}
}

/* ------------------------------------------------------------ detached runs */

char *tui_run_log(const tui_app *a, long long run)
{
	size_t n = strlen(a->path) + 32;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s.run-%lld.log", a->path, run);
	return p;
}

const char *tui_launch_log(const tui_app *a)
{
	return a->nlaunch ? a->launch[a->nlaunch - 1].log : NULL;
}

size_t tui_read_tail(const char *path, char **lines, size_t max)
{
	FILE *f = path ? fopen(path, "r") : NULL;
	size_t n = 0;
	if (!f)
		return 0;
	if (fseek(f, 0, SEEK_END) == 0) {
		long end = ftell(f);
		if (end > 65536)
			fseek(f, end - 65536, SEEK_SET);
		else
			rewind(f);
	}
	char line[512];
	while (max && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (n == max) {
			free(lines[0]);
			memmove(lines, lines + 1, (max - 1) * sizeof *lines);
			n--;
		}
		lines[n++] = strdup(line);
	}
	fclose(f);
	return n;
}

int tui_launch(tui_app *a, char **argv)
{
	if (a->nlaunch == TUI_MAX_LAUNCH) {
		errno = EAGAIN;
		return -1;
	}
	/* The log's name until the run is known: the time and a counter. */
	static unsigned seq;
	size_t n = strlen(a->path) + 64;
	char *log = malloc(n);
	if (!log)
		return -1;
	snprintf(log, n, "%s.run-new-%lld-%u.log", a->path, (long long)time(NULL), ++seq);
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int pfd[2] = {-1, -1};
	if (fd < 0 || pipe2(pfd, O_CLOEXEC)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		free(log);
		errno = e;
		return -1;
	}
	/* The command line heads the log. */
	dprintf(fd, "$ yujing");
	for (int i = 0; argv[i]; i++)
		dprintf(fd, " %s", argv[i]);
	dprintf(fd, "\n");
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	const char *prog = a->self_path[0] ? a->self_path : a->self;
	size_t argc = 0;
	while (argv[argc])
		argc++;
	char **args = calloc(argc + 2, sizeof *args);
	if (!args) {
		close(fd);
		close(pfd[0]);
		close(pfd[1]);
		if (in >= 0)
			close(in);
		free(log);
		return -1;
	}
	args[0] = (char *)PACKAGE;
	memcpy(args + 1, argv, argc * sizeof *args);
	/* A double fork: the middle process leads its own session and ends at
	 * once, so the run is nobody's child here and outlives us.  It tells
	 * us the run's pid through the pipe. */
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		pid_t g = fork();
		if (g != 0) {
			long long v = g;
			if (write(pfd[1], &v, sizeof v) < 0)
				_exit(1);
			_exit(0);
		}
		setpriority(PRIO_PROCESS, 0, TUI_CHILD_NICE);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_DFL;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGPIPE, &sa, NULL);
		sigaction(SIGWINCH, &sa, NULL);
		if (in >= 0)
			dup2(in, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(prog, args);
		_exit(127);
	}
	int e = errno;
	free(args);
	close(fd);
	close(pfd[1]);
	if (in >= 0)
		close(in);
	long long g = -1;
	if (pid > 0) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		while (read(pfd[0], &g, sizeof g) < 0 && errno == EINTR)
			;
	}
	close(pfd[0]);
	if (pid < 0 || g <= 0) {
		free(log);
		errno = pid < 0 ? e : ECHILD;
		return -1;
	}
	a->launch[a->nlaunch++] = (tui_launch_rec){.pid = g, .after = a->run, .log = log};
	tui_refresh_status(a);
	return 0;
}
