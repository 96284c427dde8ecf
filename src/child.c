// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "child.h"

static bool is_executable(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

bool fl_command_exists(const char *cmd)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!*cmd)
		return false;
	if (strchr(cmd, '/'))
		return is_executable(cmd);
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(n ? n : 1), n ? path : ".", cmd);
		if (is_executable(buf))
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

int fl_child_spawn(struct fl_child *c, char **argv)
{
	int go[2], err[2];

	memset(c, 0, sizeof(*c));
	c->pid = -1;
	if (pipe2(go, O_CLOEXEC))
		return -errno;
	if (pipe2(err, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		return -errno;
	}
	c->pid = fork();
	if (c->pid < 0) {
		int e = -errno;

		close(go[0]); close(go[1]); close(err[0]); close(err[1]);
		return e;
	}
	if (c->pid == 0) {
		char b;
		int e;

		close(go[1]);
		close(err[0]);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		/* Wait for "go": probes are attached; EOF means the tracer gave up. */
		if (read(go[0], &b, 1) != 1)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(err[1]);
	c->go_fd = go[1];
	c->err_fd = err[0];
	return 0;
}

int fl_child_go(struct fl_child *c)
{
	ssize_t n;
	int e = 0;

	if (write(c->go_fd, "g", 1) != 1)
		return -errno;
	close(c->go_fd);
	c->go_fd = -1;
	do
		n = read(c->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(c->err_fd);
	c->err_fd = -1;
	return n == sizeof(e) ? -e : 0;
}

bool fl_child_poll(struct fl_child *c)
{
	if (c->reaped || c->pid <= 0)
		return true;
	if (waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->reaped = true;
	return c->reaped;
}

void fl_child_kill(struct fl_child *c, int sig)
{
	if (c->pid > 0 && !c->reaped)
		kill(c->pid, sig);
}

bool fl_child_cleanup(struct fl_child *c, int wait_ms)
{
	if (c->go_fd > 0)
		close(c->go_fd);
	if (c->err_fd > 0)
		close(c->err_fd);
	c->go_fd = c->err_fd = -1;
	if (c->pid <= 0 || c->reaped)
		return true;
	kill(c->pid, SIGKILL);
	for (int waited = 0; !fl_child_poll(c) && waited < wait_ms; waited += 10)
		usleep(10000);
	return c->reaped;
}
