// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* src/child.c: command lookup and the fork-gated traced command. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "fltest.h"
#include "child.h"

struct fixture {
	char dir[64];		/* temp dir: fltest-cmd (0755), fltest-noexec (0644), fltest-dir/ */
	char *old_path;
	int old_cwd;
	struct fl_child child;	/* cleaned up whatever a test left */
};

static void make_file(const char *dir, const char *name, mode_t mode)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\nexit 0\n", 17), 17);
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *path = getenv("PATH");
	char p[PATH_MAX];

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/fl-unit-child-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	make_file(fx->dir, "fltest-cmd", 0755);
	make_file(fx->dir, "fltest-noexec", 0644);
	make_file(fx->dir, "fltest-owner-x", 0700);
	snprintf(p, sizeof(p), "%s/fltest-dir", fx->dir);
	if (mkdir(p, 0755))
		return -1;
	fx->old_path = path ? strdup(path) : NULL;
	fx->old_cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fx->child.pid = -1;
	fx->child.go_fd = fx->child.err_fd = -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	static const char *const names[] = { "fltest-cmd", "fltest-noexec", "fltest-owner-x" };
	char p[PATH_MAX];

	fl_child_cleanup(&fx->child, 5000);
	if (fx->old_path)
		setenv("PATH", fx->old_path, 1);
	else
		unsetenv("PATH");
	free(fx->old_path);
	if (fx->old_cwd >= 0) {
		if (fchdir(fx->old_cwd))
			return -1;
		close(fx->old_cwd);
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", fx->dir, names[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/fltest-dir", fx->dir);
	rmdir(p);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Polls until reaped, at most `secs`; true if reaped. */
static bool wait_reaped(struct fl_child *c, double secs)
{
	double end = now() + secs;

	while (!fl_child_poll(c)) {
		if (now() > end)
			return false;
		usleep(1000);
	}
	return true;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the DIR's own fd */
}

/* ---- fl_command_exists ------------------------------------------------------ */

static void test_exists_absolute(void **state)
{
	struct fixture *fx = *state;
	char p[PATH_MAX];

	assert_true(fl_command_exists("/bin/true"));
	assert_true(fl_command_exists("/bin/sh"));
	assert_false(fl_command_exists("/bin"));
	assert_false(fl_command_exists("/bin/"));
	assert_false(fl_command_exists("/nonexistent/fltest-cmd"));
	snprintf(p, sizeof(p), "%s/fltest-cmd", fx->dir);
	assert_true(fl_command_exists(p));
	snprintf(p, sizeof(p), "%s/fltest-noexec", fx->dir);
	assert_false(fl_command_exists(p));
	assert_int_equal(chmod(p, 0755), 0);
	assert_true(fl_command_exists(p));
	assert_int_equal(chmod(p, 0644), 0);
	snprintf(p, sizeof(p), "%s/fltest-owner-x", fx->dir);
	assert_true(fl_command_exists(p));
	snprintf(p, sizeof(p), "%s/fltest-dir", fx->dir);
	assert_false(fl_command_exists(p));
	snprintf(p, sizeof(p), "%s/fltest-missing", fx->dir);
	assert_false(fl_command_exists(p));
}

static void test_exists_empty(void **state)
{
	(void)state;
	assert_false(fl_command_exists(""));
}

static void test_exists_on_path(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/nonexistent:%s", fx->dir);
	assert_int_equal(setenv("PATH", path, 1), 0);
	assert_true(fl_command_exists("fltest-cmd"));
	assert_true(fl_command_exists("fltest-owner-x"));
	assert_false(fl_command_exists("fltest-noexec"));
	assert_false(fl_command_exists("fltest-dir"));
	assert_false(fl_command_exists("fltest-missing"));
	assert_false(fl_command_exists("sh"));	/* not on this PATH */

	/* the first component, and a trailing colon */
	snprintf(path, sizeof(path), "%s:", fx->dir);
	assert_int_equal(setenv("PATH", path, 1), 0);
	assert_true(fl_command_exists("fltest-cmd"));
	snprintf(path, sizeof(path), "/usr/bin:%s:/bin", fx->dir);
	assert_int_equal(setenv("PATH", path, 1), 0);
	assert_true(fl_command_exists("fltest-cmd"));
	assert_true(fl_command_exists("sh"));

	/* not found in the current directory unless PATH says so */
	assert_int_equal(chdir(fx->dir), 0);
	assert_int_equal(setenv("PATH", "/nonexistent", 1), 0);
	assert_false(fl_command_exists("fltest-cmd"));
}

/* An empty PATH component is the current directory, as for execvp. */
static void test_exists_empty_path_component(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(chdir(fx->dir), 0);
	assert_int_equal(setenv("PATH", "/nonexistent::/also-not", 1), 0);
	assert_true(fl_command_exists("fltest-cmd"));
	assert_false(fl_command_exists("fltest-noexec"));
	assert_int_equal(setenv("PATH", ":/nonexistent", 1), 0);
	assert_true(fl_command_exists("fltest-cmd"));
}

static void test_exists_relative_with_slash(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(chdir(fx->dir), 0);
	assert_int_equal(setenv("PATH", "/nonexistent", 1), 0);
	assert_true(fl_command_exists("./fltest-cmd"));
	assert_false(fl_command_exists("./fltest-noexec"));
	assert_false(fl_command_exists("./fltest-dir"));
	assert_true(fl_command_exists("fltest-dir/../fltest-cmd"));
}

static void test_exists_default_path(void **state)
{
	(void)state;
	assert_int_equal(unsetenv("PATH"), 0);
	assert_true(fl_command_exists("sh"));
	assert_true(fl_command_exists("true"));
	assert_false(fl_command_exists("fltest-cmd"));
	assert_false(fl_command_exists("fl-no-such-command-xyz"));
}

/* ---- spawn / go / poll / cleanup ----------------------------------------- */

static void test_spawn_true(void **state)
{
	struct fixture *fx = *state;
	struct fl_child *c = &fx->child;
	char *argv[] = { "/bin/true", NULL };
	int fds = count_fds();

	assert_int_equal(fl_child_spawn(c, argv), 0);
	assert_true(c->pid > 0);
	assert_true(fcntl(c->go_fd, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(c->err_fd, F_GETFD) & FD_CLOEXEC);
	assert_false(fl_child_poll(c));	/* held before execve */
	assert_int_equal(fl_child_go(c), 0);
	assert_int_equal(c->go_fd, -1);
	assert_int_equal(c->err_fd, -1);
	assert_true(wait_reaped(c, 10));
	assert_true(c->reaped);
	assert_true(WIFEXITED(c->status));
	assert_int_equal(WEXITSTATUS(c->status), 0);
	assert_true(fl_child_poll(c));
	fl_child_cleanup(c, 5000);	/* after reaping: nothing to do */
	assert_true(WIFEXITED(c->status));
	assert_int_equal(count_fds(), fds);
}

static void test_spawn_exit_code_via_path(void **state)
{
	struct fixture *fx = *state;
	struct fl_child *c = &fx->child;
	char *argv[] = { "sh", "-c", "exit 7", NULL };

	assert_int_equal(setenv("PATH", "/usr/bin:/bin", 1), 0);
	assert_int_equal(fl_child_spawn(c, argv), 0);
	assert_int_equal(fl_child_go(c), 0);
	assert_true(wait_reaped(c, 10));
	assert_true(WIFEXITED(c->status));
	assert_int_equal(WEXITSTATUS(c->status), 7);
}

static void test_spawn_nonexistent_enoent(void **state)
{
	struct fixture *fx = *state;
	struct fl_child *c = &fx->child;
	char *argv[] = { "/nonexistent/fl-no-such-command", NULL };
	char *argv2[] = { "fl-no-such-command-xyz", NULL };
	int fds = count_fds();

	assert_int_equal(fl_child_spawn(c, argv), 0);
	assert_int_equal(fl_child_go(c), -ENOENT);
	assert_true(wait_reaped(c, 10));
	assert_true(WIFEXITED(c->status));
	assert_int_equal(WEXITSTATUS(c->status), 127);
	fl_child_cleanup(c, 5000);
	assert_int_equal(count_fds(), fds);

	assert_int_equal(fl_child_spawn(c, argv2), 0);
	assert_int_equal(fl_child_go(c), -ENOENT);
	assert_true(wait_reaped(c, 10));
}

static void test_spawn_not_executable_eacces(void **state)
{
	struct fixture *fx = *state;
	struct fl_child *c = &fx->child;
	char p[PATH_MAX];
	char *argv[] = { p, NULL };

	snprintf(p, sizeof(p), "%s/fltest-noexec", fx->dir);
	assert_int_equal(fl_child_spawn(c, argv), 0);
	assert_int_equal(fl_child_go(c), -EACCES);
	assert_true(wait_reaped(c, 10));
	assert_int_equal(WEXITSTATUS(c->status), 127);
}

/* The child runs nothing before "go", then becomes the command. */
static void test_spawn_is_gated(void **state)
{
	struct fixture *fx = *state;
	struct fl_child *c = &fx->child;
	char *argv[] = { "/bin/sleep", "100", NULL };
	char proc[64], exe[PATH_MAX], self[PATH_MAX];
	ssize_t n;
	double end;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	assert_int_equal(fl_child_spawn(c, argv), 0);
	snprintf(proc, sizeof(proc), "/proc/%d/exe", c->pid);
	usleep(20000);
	n = readlink(proc, exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	assert_string_equal(exe, self);
	assert_false(fl_child_poll(c));

	assert_int_equal(fl_child_go(c), 0);
	end = now() + 5;
	do {
		n = readlink(proc, exe, sizeof(exe) - 1);
		assert_true(n > 0);
		exe[n] = '\0';
	} while (strcmp(exe, self) == 0 && now() < end && !usleep(1000));
	assert_non_null(strstr(exe, "sleep"));

	fl_child_kill(c, SIGTERM);
	assert_true(wait_reaped(c, 10));
	assert_true(WIFSIGNALED(c->status));
	assert_int_equal(WTERMSIG(c->status), SIGTERM);
	fl_child_kill(c, SIGTERM);	/* reaped: no-op, never signals a reused pid */
}

/* A child never released (the tracer gave up) is killed and reaped at once. */
static void test_cleanup_unreleased(void **state)
{
	struct fixture *fx = *state;
	struct fl_child *c = &fx->child;
	char *argv[] = { "/bin/sleep", "100", NULL };
	int fds = count_fds();
	double t0;
	pid_t pid;

	assert_int_equal(fl_child_spawn(c, argv), 0);
	pid = c->pid;
	t0 = now();
	fl_child_cleanup(c, 5000);
	assert_true(now() - t0 < 5);
	assert_true(c->reaped);
	assert_true((WIFEXITED(c->status) && WEXITSTATUS(c->status) == 127) ||
		    (WIFSIGNALED(c->status) && WTERMSIG(c->status) == SIGKILL));
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(c->go_fd, -1);
	assert_int_equal(c->err_fd, -1);
	fl_child_cleanup(c, 5000);	/* twice is fine */
	assert_true(fl_child_poll(c));
	assert_int_equal(count_fds(), fds);
}

static void test_cleanup_running(void **state)
{
	struct fixture *fx = *state;
	struct fl_child *c = &fx->child;
	char *argv[] = { "/bin/sleep", "100", NULL };
	double t0;

	assert_int_equal(fl_child_spawn(c, argv), 0);
	assert_int_equal(fl_child_go(c), 0);
	t0 = now();
	fl_child_cleanup(c, 5000);
	assert_true(now() - t0 < 5);
	assert_true(c->reaped);
	assert_true(WIFSIGNALED(c->status));
	assert_int_equal(WTERMSIG(c->status), SIGKILL);
}

static void test_cleanup_never_spawned(void **state)
{
	struct fl_child c = { .pid = -1, .go_fd = -1, .err_fd = -1 };

	(void)state;
	fl_child_cleanup(&c, 5000);
	fl_child_kill(&c, SIGKILL);
	assert_true(fl_child_poll(&c));
	fl_child_cleanup(&c, 5000);
}

/* The child died before "go" (OOM killer, ...): an error, not a SIGPIPE death. */
static void test_go_after_child_died(void **state)
{
	struct fixture *fx = *state;
	struct fl_child *c = &fx->child;
	char *argv[] = { "/bin/true", NULL };
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);	/* as `trace` does */
	int err;

	assert_int_equal(fl_child_spawn(c, argv), 0);
	assert_int_equal(kill(c->pid, SIGKILL), 0);
	assert_true(wait_reaped(c, 10));
	err = fl_child_go(c);
	signal(SIGPIPE, old);
	assert_int_equal(err, -EPIPE);
	assert_true(WIFSIGNALED(c->status));
	fl_child_cleanup(c, 5000);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_exists_absolute),
		T(test_exists_empty),
		T(test_exists_on_path),
		T(test_exists_empty_path_component),
		T(test_exists_relative_with_slash),
		T(test_exists_default_path),
		T(test_spawn_true),
		T(test_spawn_exit_code_via_path),
		T(test_spawn_nonexistent_enoent),
		T(test_spawn_not_executable_eacces),
		T(test_spawn_is_gated),
		T(test_cleanup_unreleased),
		T(test_cleanup_running),
		T(test_cleanup_never_spawned),
		T(test_go_after_child_died),
	};
#undef T

	return cmocka_run_group_tests_name("child", tests, NULL, NULL);
}
