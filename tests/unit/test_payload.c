/* Unit tests: src/payload.c - input files, refused unless regular, without blocking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "payload.h"
#include "topo.h"

static char dir[] = "/tmp/crpayXXXXXX";
static char fifo[64], file[64], sock[64];

/* A test that blocks fails: SIGALRM ends it. */
static int setup(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;
	FILE *f;

	(void)state;
	alarm(10);
	if (!mkdtemp(dir))
		return -1;
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(file, sizeof(file), "%s/file", dir);
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	if (mkfifo(fifo, 0600) < 0)
		return -1;
	f = fopen(file, "w");
	if (!f)
		return -1;
	fputs("GET / HTTP/1.0\r\n\r\n", f);
	fclose(f);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(fifo);
	unlink(file);
	unlink(sock);
	rmdir(dir);
	alarm(0);
	return 0;
}

static void test_regular(void **state)
{
	struct payload p;

	(void)state;
	assert_int_equal(payload_load(file, &p), 0);
	assert_int_equal(p.len, 18);
	assert_memory_equal(p.data, "GET / HTTP/1.0\r\n\r\n", 19);	/* NUL-terminated */
	payload_free(&p);
	assert_int_equal(payload_load_max(file, 17, &p), -EFBIG);
	assert_null(p.data);
	assert_int_equal(payload_load_max(file, 18, &p), 0);
	payload_free(&p);
	assert_int_equal(payload_load("/nonexistent/x", &p), -ENOENT);
}

/* A FIFO with no writer: refused at once, not read for ever. */
static void test_special(void **state)
{
	struct payload p;

	(void)state;
	assert_int_equal(payload_load(fifo, &p), -ESPIPE);
	assert_null(p.data);
	assert_non_null(strstr(payload_strerror(-ESPIPE), "FIFO"));
	assert_int_equal(payload_load(sock, &p), -ENXIO);	/* a socket cannot be opened */
	assert_int_equal(payload_load("/dev/zero", &p), -ENODEV);
	assert_non_null(strstr(payload_strerror(-ENODEV), "device"));
	assert_int_equal(payload_load(dir, &p), -EISDIR);
	assert_string_equal(payload_strerror(-EISDIR), strerror(EISDIR));
}

/* The loaders of topologies and profiles go through it. */
static void test_topology_fifo(void **state)
{
	char err[512], path[512], *text;

	(void)state;
	assert_int_equal(topo_load_text("topology", fifo, "netns/topologies", ".topo", 65536,
					&text, path, sizeof(path), err, sizeof(err)), -1);
	assert_null(text);
	if (!strstr(err, fifo) || !strstr(err, "a FIFO or socket, not a regular file"))
		fail_msg("got '%s'", err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular),
		cmocka_unit_test(test_special),
		cmocka_unit_test(test_topology_fifo),
	};

	return cmocka_run_group_tests_name("payload", tests, setup, teardown);
}
