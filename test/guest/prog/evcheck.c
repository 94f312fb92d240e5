// SPDX-License-Identifier: GPL-2.0
/*
 * evcheck: checks the evidence `snapctl collect` writes against its contract
 * (doc/evidence-format.md).  No JSON or ELF tool in the guest's busybox, so
 * the parsing is here.
 *
 *   evcheck json FILE            parse FILE strictly as one JSON value; print
 *                                it flattened, one "path=value" line per
 *                                scalar (path: keys and array indexes joined
 *                                by dots, e.g. segments.3.sha256)
 *   evcheck get FILE PATH        the value at PATH (exit 1 if absent)
 *   evcheck manifest DIR [--clone N] [--target N] [--threads N]
 *                    [--format paper|core|both] [--no-hash] [--maps FILE]
 *                    [--ioctl]
 *                                DIR/manifest.json against the contract and
 *                                DIR's files; --maps: the maps the segments
 *                                must match (default DIR/index.txt);
 *                                --ioctl: threads and times equal what the
 *                                module reports for clone N (still held)
 *   evcheck core CORE MAPS [--threads N] [--clone N] [--ioctl]
 *                    [--dir EVDIR]
 *                                the ELF core's header, one PT_LOAD per line
 *                                of MAPS, its notes; --ioctl: NT_PRSTATUS
 *                                registers equal THREADS of clone N;
 *                                --dir: every loaded byte equals EVDIR's
 *                                segment image
 *   evcheck contains FILE PATFILE
 *                                offsets where FILE holds PATFILE's bytes
 *                                (exit 1 if nowhere)
 *
 * Checks print PASS:/FAIL:/INFO: lines; exit status 1 on any failure, 2 when
 * the check could not run.
 */
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/procfs.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <procsnap.h>

#define PAGE	4096UL

static int failures;

static void __attribute__((format(printf, 1, 2))) pass(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("PASS: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("FAIL: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	failures++;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
bail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("FAIL: evcheck: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	exit(2);
}

/*
 * Problems found within one group of checks: printed indented under the
 * group's FAIL line (at most 20 of them).
 */
static char probs[8192];
static size_t probs_len;
static int nprobs;

static void __attribute__((format(printf, 1, 2))) prob(const char *fmt, ...)
{
	va_list ap;

	if (nprobs++ >= 20 || probs_len >= sizeof(probs) - 200)
		return;
	va_start(ap, fmt);
	probs_len += (size_t)snprintf(probs + probs_len,
				      sizeof(probs) - probs_len, "    ");
	probs_len += (size_t)vsnprintf(probs + probs_len,
				       sizeof(probs) - probs_len, fmt, ap);
	probs_len += (size_t)snprintf(probs + probs_len,
				      sizeof(probs) - probs_len, "\n");
	va_end(ap);
}

/* End a group: PASS or FAIL @what, with the problems found since the last. */
static void __attribute__((format(printf, 1, 2))) group(const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!nprobs) {
		pass("%s", what);
	} else {
		fail("%s (%d problem%s)", what, nprobs, nprobs > 1 ? "s" : "");
		fputs(probs, stdout);
		if (nprobs > 20)
			printf("    ...\n");
	}
	probs_len = 0;
	probs[0] = 0;
	nprobs = 0;
}

static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *p;
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st))
		return NULL;
	p = malloc((size_t)st.st_size + 1);
	if (!p)
		bail("out of memory");
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, p + n, (size_t)st.st_size - n);

		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	p[n] = 0;
	if (len)
		*len = n;
	return p;
}

/* --- JSON ------------------------------------------------------------- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jtype t;
	int b;			/* J_BOOL */
	int is_int;		/* J_NUM: no fraction, no exponent */
	int neg;
	char *text;		/* J_NUM: as written; J_STR: decoded (UTF-8) */
	size_t n;		/* J_ARR, J_OBJ: members */
	struct jv **v;
	char **k;		/* J_OBJ: keys, decoded */
};

struct jparser {
	const char *s, *p, *end;
	char err[256];
};

static void jerr(struct jparser *jp, const char *what)
{
	if (!jp->err[0])
		snprintf(jp->err, sizeof(jp->err), "%s at byte %td", what,
			 jp->p - jp->s);
}

static void jws(struct jparser *jp)
{
	while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' ||
				   *jp->p == '\n' || *jp->p == '\r'))
		jp->p++;
}

static struct jv *jnew(enum jtype t)
{
	struct jv *v = calloc(1, sizeof(*v));

	if (!v)
		bail("out of memory");
	v->t = t;
	return v;
}

static void push(struct jv *a, struct jv *v, char *key)
{
	if (!(a->n & 15)) {
		a->v = realloc(a->v, (a->n + 16) * sizeof(*a->v));
		a->k = realloc(a->k, (a->n + 16) * sizeof(*a->k));
		if (!a->v || !a->k)
			bail("out of memory");
	}
	a->v[a->n] = v;
	a->k[a->n] = key;
	a->n++;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char *put_utf8(char *o, uint32_t c)
{
	if (c < 0x80) {
		*o++ = (char)c;
	} else if (c < 0x800) {
		*o++ = (char)(0xc0 | c >> 6);
		*o++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*o++ = (char)(0xe0 | c >> 12);
		*o++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*o++ = (char)(0x80 | (c & 0x3f));
	} else {
		*o++ = (char)(0xf0 | c >> 18);
		*o++ = (char)(0x80 | ((c >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*o++ = (char)(0x80 | (c & 0x3f));
	}
	return o;
}

/* Length of the valid UTF-8 sequence at @p, 0 if invalid. */
static int utf8_len(const unsigned char *p, const unsigned char *end)
{
	uint32_t c;
	int n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, c = p[0] & 0x07;
	else
		return 0;
	if (end - p < n)
		return 0;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

static char *jstring(struct jparser *jp)
{
	char *out, *o;

	if (jp->p >= jp->end || *jp->p != '"') {
		jerr(jp, "string expected");
		return NULL;
	}
	jp->p++;
	out = o = malloc((size_t)(jp->end - jp->p) + 1);
	if (!out)
		bail("out of memory");
	while (jp->p < jp->end && *jp->p != '"') {
		unsigned char c = (unsigned char)*jp->p;

		if (c < 0x20) {
			jerr(jp, "unescaped control character in a string");
			return NULL;
		}
		if (c == '\\') {
			uint32_t u = 0;

			if (jp->end - jp->p < 2) {
				jerr(jp, "truncated escape");
				return NULL;
			}
			switch (jp->p[1]) {
			case '"': *o++ = '"'; break;
			case '\\': *o++ = '\\'; break;
			case '/': *o++ = '/'; break;
			case 'b': *o++ = '\b'; break;
			case 'f': *o++ = '\f'; break;
			case 'n': *o++ = '\n'; break;
			case 'r': *o++ = '\r'; break;
			case 't': *o++ = '\t'; break;
			case 'u':
				if (jp->end - jp->p < 6) {
					jerr(jp, "truncated \\u escape");
					return NULL;
				}
				for (int i = 2; i < 6; i++) {
					int h = hexval(jp->p[i]);

					if (h < 0) {
						jerr(jp, "bad \\u escape");
						return NULL;
					}
					u = u << 4 | (uint32_t)h;
				}
				if (u >= 0xd800 && u <= 0xdbff) {
					uint32_t lo = 0;

					if (jp->end - jp->p < 12 ||
					    jp->p[6] != '\\' || jp->p[7] != 'u') {
						jerr(jp, "lone high surrogate");
						return NULL;
					}
					for (int i = 8; i < 12; i++) {
						int h = hexval(jp->p[i]);

						if (h < 0) {
							jerr(jp, "bad \\u escape");
							return NULL;
						}
						lo = lo << 4 | (uint32_t)h;
					}
					if (lo < 0xdc00 || lo > 0xdfff) {
						jerr(jp, "bad surrogate pair");
						return NULL;
					}
					u = 0x10000 + ((u - 0xd800) << 10) +
						(lo - 0xdc00);
					jp->p += 6;
				} else if (u >= 0xdc00 && u <= 0xdfff) {
					jerr(jp, "lone low surrogate");
					return NULL;
				}
				o = put_utf8(o, u);
				jp->p += 4;
				break;
			default:
				jerr(jp, "bad escape");
				return NULL;
			}
			jp->p += 2;
			continue;
		}
		int n = utf8_len((const unsigned char *)jp->p,
				 (const unsigned char *)jp->end);
		if (!n) {
			jerr(jp, "invalid UTF-8 in a string");
			return NULL;
		}
		memcpy(o, jp->p, (size_t)n);
		o += n;
		jp->p += n;
	}
	if (jp->p >= jp->end) {
		jerr(jp, "unterminated string");
		return NULL;
	}
	jp->p++;
	*o = 0;
	return out;
}

static struct jv *jvalue(struct jparser *jp, int depth);

static struct jv *jnumber(struct jparser *jp)
{
	const char *st = jp->p;
	struct jv *v = jnew(J_NUM);

	v->is_int = 1;
	if (jp->p < jp->end && *jp->p == '-') {
		v->neg = 1;
		jp->p++;
	}
	if (jp->p < jp->end && *jp->p == '0') {
		jp->p++;
	} else if (jp->p < jp->end && *jp->p >= '1' && *jp->p <= '9') {
		while (jp->p < jp->end && isdigit((unsigned char)*jp->p))
			jp->p++;
	} else {
		jerr(jp, "bad number");
		return NULL;
	}
	if (jp->p < jp->end && *jp->p == '.') {
		v->is_int = 0;
		jp->p++;
		if (jp->p >= jp->end || !isdigit((unsigned char)*jp->p)) {
			jerr(jp, "bad fraction");
			return NULL;
		}
		while (jp->p < jp->end && isdigit((unsigned char)*jp->p))
			jp->p++;
	}
	if (jp->p < jp->end && (*jp->p == 'e' || *jp->p == 'E')) {
		v->is_int = 0;
		jp->p++;
		if (jp->p < jp->end && (*jp->p == '+' || *jp->p == '-'))
			jp->p++;
		if (jp->p >= jp->end || !isdigit((unsigned char)*jp->p)) {
			jerr(jp, "bad exponent");
			return NULL;
		}
		while (jp->p < jp->end && isdigit((unsigned char)*jp->p))
			jp->p++;
	}
	v->text = strndup(st, (size_t)(jp->p - st));
	return v;
}

static int jlit(struct jparser *jp, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, lit, n))
		return 0;
	jp->p += n;
	return 1;
}

static struct jv *jvalue(struct jparser *jp, int depth)
{
	struct jv *v;

	if (depth > 64) {
		jerr(jp, "nested too deep");
		return NULL;
	}
	jws(jp);
	if (jp->p >= jp->end) {
		jerr(jp, "value expected");
		return NULL;
	}
	switch (*jp->p) {
	case '{':
		v = jnew(J_OBJ);
		jp->p++;
		jws(jp);
		if (jp->p < jp->end && *jp->p == '}') {
			jp->p++;
			return v;
		}
		for (;;) {
			char *k;
			struct jv *m;

			jws(jp);
			k = jstring(jp);
			if (!k)
				return NULL;
			for (size_t i = 0; i < v->n; i++)
				if (!strcmp(v->k[i], k)) {
					jerr(jp, "duplicate key");
					return NULL;
				}
			jws(jp);
			if (jp->p >= jp->end || *jp->p != ':') {
				jerr(jp, "':' expected");
				return NULL;
			}
			jp->p++;
			m = jvalue(jp, depth + 1);
			if (!m)
				return NULL;
			push(v, m, k);
			jws(jp);
			if (jp->p < jp->end && *jp->p == ',') {
				jp->p++;
				continue;
			}
			if (jp->p < jp->end && *jp->p == '}') {
				jp->p++;
				return v;
			}
			jerr(jp, "',' or '}' expected");
			return NULL;
		}
	case '[':
		v = jnew(J_ARR);
		jp->p++;
		jws(jp);
		if (jp->p < jp->end && *jp->p == ']') {
			jp->p++;
			return v;
		}
		for (;;) {
			struct jv *m = jvalue(jp, depth + 1);

			if (!m)
				return NULL;
			push(v, m, NULL);
			jws(jp);
			if (jp->p < jp->end && *jp->p == ',') {
				jp->p++;
				continue;
			}
			if (jp->p < jp->end && *jp->p == ']') {
				jp->p++;
				return v;
			}
			jerr(jp, "',' or ']' expected");
			return NULL;
		}
	case '"':
		v = jnew(J_STR);
		v->text = jstring(jp);
		return v->text ? v : NULL;
	case 't':
	case 'f':
		v = jnew(J_BOOL);
		v->b = *jp->p == 't';
		if (jlit(jp, v->b ? "true" : "false"))
			return v;
		jerr(jp, "bad literal");
		return NULL;
	case 'n':
		if (jlit(jp, "null"))
			return jnew(J_NULL);
		jerr(jp, "bad literal");
		return NULL;
	default:
		return jnumber(jp);
	}
}

/* Parse @len bytes at @s as exactly one JSON value (whitespace around). */
static struct jv *jparse(const char *s, size_t len, char *err, size_t errlen)
{
	struct jparser jp = { .s = s, .p = s, .end = s + len };
	struct jv *v = jvalue(&jp, 0);

	if (v) {
		jws(&jp);
		if (jp.p != jp.end) {
			jerr(&jp, "trailing bytes after the value");
			v = NULL;
		}
	}
	if (!v)
		snprintf(err, errlen, "%s", jp.err);
	return v;
}

/* The member at a dotted @path ("segments.3.sha256"), or NULL. */
static struct jv *jget(struct jv *v, const char *path)
{
	char part[128];

	while (v && *path) {
		size_t n = strcspn(path, ".");

		snprintf(part, sizeof(part), "%.*s", (int)n, path);
		path += n + (path[n] == '.');
		if (v->t == J_OBJ) {
			struct jv *m = NULL;

			for (size_t i = 0; i < v->n && !m; i++)
				if (!strcmp(v->k[i], part))
					m = v->v[i];
			v = m;
		} else if (v->t == J_ARR) {
			char *end;
			unsigned long i = strtoul(part, &end, 10);

			v = *end || i >= v->n ? NULL : v->v[i];
		} else {
			v = NULL;
		}
	}
	return v;
}

static void print_scalar(FILE *f, const struct jv *v)
{
	switch (v->t) {
	case J_NULL: fputs("null", f); break;
	case J_BOOL: fputs(v->b ? "true" : "false", f); break;
	case J_NUM: fputs(v->text, f); break;
	case J_STR:
		for (const char *c = v->text; *c; c++) {
			if (*c == '\n')
				fputs("\\n", f);
			else if ((unsigned char)*c < 0x20)
				fprintf(f, "\\x%02x", (unsigned char)*c);
			else
				fputc(*c, f);
		}
		break;
	default: fputs(v->t == J_ARR ? "[]" : "{}", f); break;
	}
}

static void flatten(const struct jv *v, char *path, size_t len)
{
	if ((v->t == J_ARR || v->t == J_OBJ) && v->n) {
		for (size_t i = 0; i < v->n; i++) {
			size_t l = len;

			if (v->t == J_OBJ)
				l += (size_t)snprintf(path + len, 1024 - len,
						      "%s%s", len ? "." : "",
						      v->k[i]);
			else
				l += (size_t)snprintf(path + len, 1024 - len,
						      "%s%zu", len ? "." : "",
						      i);
			flatten(v->v[i], path, l < 1000 ? l : 1000);
			path[len] = 0;
		}
		return;
	}
	printf("%s=", path);
	print_scalar(stdout, v);
	putchar('\n');
}

static struct jv *load_json(const char *file)
{
	char err[300];
	size_t len;
	char *s = slurp(file, &len);
	struct jv *v;

	if (!s)
		bail("%s: %s", file, strerror(errno));
	v = jparse(s, len, err, sizeof(err));
	if (!v) {
		fail("%s is not valid JSON: %s", file, err);
		exit(1);
	}
	return v;
}

/* --- typed access, recording problems ------------------------------------ */

static const char *tname(enum jtype t)
{
	static const char *const n[] = { "null", "bool", "number", "string",
		"array", "object" };
	return n[t];
}

/* @root's @path must be of type @t (J_NUM: an integer); NULL (and a
 * problem) if absent or another type. */
static struct jv *want(struct jv *root, const char *path, enum jtype t)
{
	struct jv *v = jget(root, path);

	if (!v) {
		prob("%s: missing", path);
		return NULL;
	}
	if (v->t != t) {
		prob("%s: %s, want %s", path, tname(v->t), tname(t));
		return NULL;
	}
	if (t == J_NUM && !v->is_int) {
		prob("%s: %s is not an integer", path, v->text);
		return NULL;
	}
	return v;
}

static const char *want_str(struct jv *root, const char *path)
{
	struct jv *v = want(root, path, J_STR);

	return v ? v->text : NULL;
}

/* An unsigned integer (JSON numbers of the manifest fit in 64 bits). */
static int want_u64(struct jv *root, const char *path, uint64_t *out)
{
	struct jv *v = want(root, path, J_NUM);
	char *end;

	if (!v)
		return 0;
	if (v->neg) {
		prob("%s: negative (%s)", path, v->text);
		return 0;
	}
	errno = 0;
	*out = strtoull(v->text, &end, 10);
	if (errno || *end) {
		prob("%s: %s does not fit 64 bits", path, v->text);
		return 0;
	}
	return 1;
}

static int is_hex(const char *s, size_t len)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') ||
		      (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	return len ? n == len : n > 0;
}

/* A SHA-256 (64 lower-case hex digits), or null when @nullok. */
static void want_sha(struct jv *root, const char *path, int nullok,
		     int hexok)
{
	struct jv *v = jget(root, path);

	if (!v) {
		prob("%s: missing", path);
	} else if (v->t == J_NULL) {
		if (!nullok)
			prob("%s: null, want a SHA-256", path);
	} else if (v->t != J_STR || !is_hex(v->text, 64)) {
		prob("%s: not 64 lower-case hex digits", path);
	} else if (!hexok) {
		prob("%s: a hash despite --no-hash", path);
	}
}

/* --- maps ------------------------------------------------------------- */

struct map {
	uint64_t start, end, offset, inode;
	char s_start[24], s_end[24], perms[8], dev[16];
	char path[512];
};

static int load_maps(const char *file, struct map **out)
{
	char line[1024];
	struct map *m = NULL;
	int n = 0;
	FILE *f = fopen(file, "r");

	if (!f)
		bail("%s: %s", file, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		struct map *x;
		int at = 0;

		if (!(n & 63)) {
			m = realloc(m, (size_t)(n + 64) * sizeof(*m));
			if (!m)
				bail("out of memory");
		}
		x = &m[n];
		memset(x, 0, sizeof(*x));
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "%23[0-9a-f]-%23[0-9a-f] %7s %" SCNx64
			   " %15s %" SCNu64 " %n", x->s_start, x->s_end,
			   x->perms, &x->offset, x->dev, &x->inode, &at) < 6) {
			fail("%s: not a maps line: %s", file, line);
			continue;
		}
		x->start = strtoull(x->s_start, NULL, 16);
		x->end = strtoull(x->s_end, NULL, 16);
		if (at)
			snprintf(x->path, sizeof(x->path), "%s", line + at);
		n++;
	}
	fclose(f);
	*out = m;
	return n;
}

static int special_unreadable(const struct map *m)
{
	return m->perms[0] != 'r' || !strcmp(m->path, "[vvar]") ||
		!strcmp(m->path, "[vvar_vclock]") ||
		!strcmp(m->path, "[vsyscall]");
}

/* --- module --------------------------------------------------------------- */

#define MAX_THREADS	256

static struct procsnap_thread_info ioc_threads[MAX_THREADS];
static uint32_t ioc_nthreads;
static struct procsnap_snapshot_info ioc_snap;

/* THREADS and LIST of @clone into ioc_*; 0 or -1 (a FAIL printed). */
static int query_module(pid_t clone)
{
	static struct procsnap_snapshot_info li[MAX_THREADS];
	struct procsnap_threads_arg ta;
	struct procsnap_list_arg la;
	int dev = open(PROCSNAP_DEVICE_PATH, O_RDWR | O_CLOEXEC), found = 0;

	if (dev < 0) {
		fail("%s: %s", PROCSNAP_DEVICE_PATH, strerror(errno));
		return -1;
	}
	memset(&ta, 0, sizeof(ta));
	ta.size = sizeof(ta);
	ta.clone_pid = clone;
	ta.entry_size = sizeof(ioc_threads[0]);
	ta.entries = (uint64_t)(uintptr_t)ioc_threads;
	ta.nr_entries = MAX_THREADS;
	if (ioctl(dev, PROCSNAP_IOC_THREADS, &ta)) {
		fail("THREADS ioctl on clone %d: %s", clone, strerror(errno));
		close(dev);
		return -1;
	}
	ioc_nthreads = ta.nr_entries;
	memset(&la, 0, sizeof(la));
	la.size = sizeof(la);
	la.entries = (uint64_t)(uintptr_t)li;
	la.entry_size = sizeof(li[0]);
	la.nr_entries = MAX_THREADS;
	if (ioctl(dev, PROCSNAP_IOC_LIST, &la)) {
		fail("LIST ioctl: %s", strerror(errno));
		close(dev);
		return -1;
	}
	for (uint32_t i = 0; i < la.nr_entries && i < MAX_THREADS; i++)
		if (li[i].clone_pid == clone) {
			ioc_snap = li[i];
			found = 1;
		}
	close(dev);
	if (!found) {
		fail("clone %d not in LIST", clone);
		return -1;
	}
	return 0;
}

/* --- manifest ------------------------------------------------------------ */

static const char *const reg_names[PROCSNAP_NR_GREGS] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
	"rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags",
	"rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
};

struct mopts {
	long clone, target, threads;
	int paper, core, hash, ioctl;
	const char *maps;
	const char *dir;
};

static void check_header(struct jv *m, const struct mopts *o)
{
	struct utsname u;
	uint64_t x, y, started = 0, finished = 0, created_rt = 0;
	uint64_t created_bt = 0, req_rt = 0, req_bt = 0, pause = 0, quiesce = 0;
	const char *s;
	char bootid[64] = "";
	char *b = slurp("/proc/sys/kernel/random/boot_id", NULL);
	struct timespec now;

	if (b) {
		snprintf(bootid, sizeof(bootid), "%.*s", (int)strcspn(b, "\n"),
			 b);
		free(b);
	}
	uname(&u);
	clock_gettime(CLOCK_REALTIME, &now);

	if (jget(m, "")->t != J_OBJ)
		prob("the manifest is not an object");
	s = want_str(m, "format");
	if (s && strcmp(s, "procsnap-evidence"))
		prob("format: '%s'", s);
	if (want_u64(m, "format_version", &x) && x != 1)
		prob("format_version: %" PRIu64 ", want 1", x);

	if ((s = want_str(m, "tool.snapctl")) && !*s)
		prob("tool.snapctl: empty");
	if ((s = want_str(m, "tool.libprocsnap")) && !*s)
		prob("tool.libprocsnap: empty");
	if ((s = want_str(m, "module.version")) && !*s)
		prob("module.version: empty");
	if (want_u64(m, "module.abi", &x) && x != PROCSNAP_ABI_VERSION)
		prob("module.abi: %" PRIu64, x);
	s = want_str(m, "module.features");
	if (s && (strncmp(s, "0x", 2) || !is_hex(s + 2, 0)))
		prob("module.features: '%s', want 0x<hex>", s);

	s = want_str(m, "host.sysname");
	if (s && strcmp(s, u.sysname))
		prob("host.sysname: '%s', want '%s'", s, u.sysname);
	s = want_str(m, "host.nodename");
	if (s && strcmp(s, u.nodename))
		prob("host.nodename: '%s', want '%s'", s, u.nodename);
	s = want_str(m, "host.release");
	if (s && strcmp(s, u.release))
		prob("host.release: '%s', want '%s'", s, u.release);
	s = want_str(m, "host.version");
	if (s && strcmp(s, u.version))
		prob("host.version: '%s', want '%s'", s, u.version);
	s = want_str(m, "host.machine");
	if (s && strcmp(s, u.machine))
		prob("host.machine: '%s', want '%s'", s, u.machine);
	s = want_str(m, "host.boot_id");
	if (s && *bootid && strcmp(s, bootid))
		prob("host.boot_id: '%s', want '%s'", s, bootid);

	if (want_u64(m, "collector.uid", &x) && x != (uint64_t)getuid())
		prob("collector.uid: %" PRIu64 ", want %u", x, getuid());
	want_u64(m, "collector.started_realtime_ns", &started);
	want_u64(m, "collector.finished_realtime_ns", &finished);
	if (started > finished)
		prob("collector: started %" PRIu64 " after finished %" PRIu64,
		     started, finished);
	if (finished > (uint64_t)now.tv_sec * 1000000000 + (uint64_t)now.tv_nsec)
		prob("collector.finished_realtime_ns is in the future");

	want_u64(m, "request.requester_uid", &x);
	want_u64(m, "request.requested_realtime_ns", &req_rt);
	want_u64(m, "request.requested_boottime_ns", &req_bt);

	if (want_u64(m, "snapshot.clone_pid", &x) && o->clone > 0 &&
	    x != (uint64_t)o->clone)
		prob("snapshot.clone_pid: %" PRIu64 ", want %ld", x, o->clone);
	want_u64(m, "snapshot.created_realtime_ns", &created_rt);
	want_u64(m, "snapshot.created_boottime_ns", &created_bt);
	want_u64(m, "snapshot.pause_ns", &pause);
	want_u64(m, "snapshot.quiesce_ns", &quiesce);
	want_u64(m, "snapshot.resident_bytes", &x);
	want_u64(m, "snapshot.pagetable_bytes", &y);
	if (quiesce > pause)
		prob("snapshot: quiesce_ns %" PRIu64 " > pause_ns %" PRIu64,
		     quiesce, pause);
	if (!created_bt || req_bt > created_bt)
		prob("snapshot.created_boottime_ns %" PRIu64 " not after "
		     "request.requested_boottime_ns %" PRIu64, created_bt,
		     req_bt);
	if (!created_rt || created_rt > started)
		prob("snapshot.created_realtime_ns %" PRIu64 " not before "
		     "collector.started_realtime_ns %" PRIu64, created_rt,
		     started);
	if (o->ioctl) {
		const struct procsnap_snapshot_info *e = &ioc_snap;

		if (created_rt != e->created_realtime_ns ||
		    created_bt != e->created_boottime_ns ||
		    pause != e->pause_ns || quiesce != e->quiesce_ns ||
		    req_rt != e->requested_realtime_ns ||
		    req_bt != e->requested_boottime_ns)
			prob("snapshot/request times differ from LIST's "
			     "(created %llu/%llu pause %llu quiesce %llu "
			     "requested %llu/%llu)",
			     (unsigned long long)e->created_realtime_ns,
			     (unsigned long long)e->created_boottime_ns,
			     (unsigned long long)e->pause_ns,
			     (unsigned long long)e->quiesce_ns,
			     (unsigned long long)e->requested_realtime_ns,
			     (unsigned long long)e->requested_boottime_ns);
		if (want_u64(m, "request.requester_uid", &x) &&
		    x != e->requester_uid)
			prob("request.requester_uid %" PRIu64 ", LIST says %u",
			     x, e->requester_uid);
	}

	if (want_u64(m, "target.pid", &x) && o->target > 0 &&
	    x != (uint64_t)o->target)
		prob("target.pid: %" PRIu64 ", want %ld", x, o->target);
	if ((s = want_str(m, "target.comm")) && !*s)
		prob("target.comm: empty");
	struct jv *cl = want(m, "target.cmdline", J_ARR);
	if (cl && !cl->n)
		prob("target.cmdline: empty");
	for (size_t i = 0; cl && i < cl->n; i++)
		if (cl->v[i]->t != J_STR)
			prob("target.cmdline.%zu: not a string", i);
	if ((s = want_str(m, "target.exe")) && !*s)
		prob("target.exe: empty");
	want_sha(m, "target.exe_sha256", !o->hash, o->hash);
	for (int k = 0; k < 2; k++) {
		struct jv *a = want(m, k ? "target.gid" : "target.uid", J_ARR);

		if (a && a->n != 4)
			prob("target.%s: %zu entries, want 4", k ? "gid" : "uid",
			     a->n);
		for (size_t i = 0; a && i < a->n; i++)
			if (a->v[i]->t != J_NUM || !a->v[i]->is_int)
				prob("target.%s.%zu: not an integer",
				     k ? "gid" : "uid", i);
	}
	static const char *const caps[] = { "cap_inh", "cap_prm", "cap_eff",
		"cap_bnd", "cap_amb" };
	for (int i = 0; i < 5; i++) {
		char p[32];

		snprintf(p, sizeof(p), "target.%s", caps[i]);
		s = want_str(m, p);
		if (s && !is_hex(s, 16))
			prob("%s: '%s', want 16 hex digits as in "
			     "/proc/PID/status", p, s);
	}
	/* "" when no LSM labels tasks; null only from an older module. */
	want_str(m, "target.lsm_label");
	want(m, "target.lsm_label_truncated", J_BOOL);
	struct jv *ns = want(m, "target.namespaces", J_OBJ);
	if (ns && !jget(ns, "mnt"))
		prob("target.namespaces: no mnt");
	for (size_t i = 0; ns && i < ns->n; i++)
		if (ns->v[i]->t != J_NUM || !ns->v[i]->is_int)
			prob("target.namespaces.%s: not an integer", ns->k[i]);
	want_str(m, "target.cgroup");
	struct jv *env = want(m, "target.environ", J_ARR);
	for (size_t i = 0; env && i < env->n; i++)
		if (env->v[i]->t != J_STR)
			prob("target.environ.%zu: not a string", i);
	/* 16 limits in RLIMIT_* order: [soft, hard], null for unlimited. */
	static const char *const lim[] = {
		"cpu", "fsize", "data", "stack", "core", "rss", "nproc",
		"nofile", "memlock", "as", "locks", "sigpending", "msgqueue",
		"nice", "rtprio", "rttime",
	};
	struct jv *li = want(m, "target.limits", J_OBJ);
	if (li && li->n != sizeof(lim) / sizeof(lim[0]))
		prob("target.limits: %zu limits, want 16", li->n);
	for (size_t i = 0; li && i < li->n && i < 16; i++) {
		struct jv *v = li->v[i];

		if (strcmp(li->k[i], lim[i]) || v->t != J_ARR || v->n != 2 ||
		    (v->v[0]->t != J_NUM && v->v[0]->t != J_NULL) ||
		    (v->v[1]->t != J_NUM && v->v[1]->t != J_NULL))
			prob("target.limits.%zu (%s): want %s: [soft, hard]",
			     i, li->k[i], lim[i]);
	}

	struct jv *c = jget(m, "core");
	if (!c) {
		prob("core: missing");
	} else if (!o->core) {
		if (c->t != J_NULL)
			prob("core: %s, want null without --format core/both",
			     tname(c->t));
	} else if (c->t != J_OBJ) {
		prob("core: %s, want an object", tname(c->t));
	} else {
		char path[600];
		struct stat st;

		s = want_str(m, "core.file");
		if (s && strcmp(s, "core"))
			prob("core.file: '%s', want 'core'", s);
		snprintf(path, sizeof(path), "%s/core", o->dir);
		if (stat(path, &st))
			prob("%s: %s", path, strerror(errno));
		else if (want_u64(m, "core.size", &x) &&
			 x != (uint64_t)st.st_size)
			prob("core.size: %" PRIu64 ", the file has %lld", x,
			     (long long)st.st_size);
		want_sha(m, "core.sha256", !o->hash, o->hash);
	}
	/* Over the segment images' hashes: without images (--format core)
	 * null is as good as a hash. */
	want_sha(m, "root_sha256", !o->hash || !o->paper, o->hash);
}

static void check_threads(struct jv *m, const struct mopts *o)
{
	struct jv *t = want(m, "threads", J_ARR);

	if (!t)
		return;
	if (o->threads > 0 && t->n != (size_t)o->threads)
		prob("threads: %zu, want %ld", t->n, o->threads);
	if (o->ioctl && t->n != ioc_nthreads)
		prob("threads: %zu, THREADS ioctl says %u", t->n, ioc_nthreads);
	for (size_t i = 0; i < t->n; i++) {
		char p[64];
		uint64_t tid = 0, x, regs[PROCSNAP_NR_GREGS] = { 0 };
		struct jv *r, *fl;

		snprintf(p, sizeof(p), "threads.%zu.tid", i);
		want_u64(m, p, &tid);
		snprintf(p, sizeof(p), "threads.%zu.flags", i);
		fl = want(m, p, J_ARR);
		for (size_t j = 0; fl && j < fl->n; j++)
			if (fl->v[j]->t != J_STR)
				prob("%s.%zu: not a string", p, j);
		snprintf(p, sizeof(p), "threads.%zu.xstate_size", i);
		want_u64(m, p, &x);
		snprintf(p, sizeof(p), "threads.%zu.regs", i);
		r = want(m, p, J_OBJ);
		if (!r)
			continue;
		if (r->n != PROCSNAP_NR_GREGS)
			prob("%s: %zu registers, want %d", p, r->n,
			     PROCSNAP_NR_GREGS);
		for (size_t j = 0; j < r->n && j < PROCSNAP_NR_GREGS; j++) {
			char q[96];

			if (strcmp(r->k[j], reg_names[j]))
				prob("%s: register %zu is '%s', want '%s'", p,
				     j, r->k[j], reg_names[j]);
			snprintf(q, sizeof(q), "%s.%s", p, r->k[j]);
			want_u64(m, q, &regs[j]);
		}
		if (regs[17] != 0x33 || regs[20] != 0x2b)
			prob("%s: cs %#" PRIx64 " ss %#" PRIx64 ", want user "
			     "0x33/0x2b", p, regs[17], regs[20]);
		if (o->ioctl && i < ioc_nthreads) {
			const struct procsnap_thread_info *ti = &ioc_threads[i];

			if (tid != (uint64_t)ti->tid)
				prob("threads.%zu: tid %" PRIu64 ", THREADS "
				     "entry %zu is %d", i, tid, i, ti->tid);
			for (int j = 0; j < PROCSNAP_NR_GREGS; j++)
				if (regs[j] != ti->regs[j]) {
					prob("threads.%zu (tid %" PRIu64 "): %s "
					     "%#" PRIx64 ", THREADS says %#llx",
					     i, tid, reg_names[j], regs[j],
					     ti->regs[j]);
					break;
				}
			snprintf(p, sizeof(p), "threads.%zu.xstate_size", i);
			if (want_u64(m, p, &x) && x != ti->xstate_size)
				prob("%s: %" PRIu64 ", THREADS says %u", p, x,
				     ti->xstate_size);
		}
	}
}

static void check_files(struct jv *m)
{
	struct jv *f = want(m, "files", J_ARR);
	static const char *const num[] = { "fd", "flags", "pos", "ino", "dev",
		"mode" };

	for (size_t i = 0; f && i < f->n; i++) {
		char p[64];
		uint64_t x;
		struct jv *b;

		for (int k = 0; k < 6; k++) {
			snprintf(p, sizeof(p), "files.%zu.%s", i, num[k]);
			want_u64(m, p, &x);
		}
		snprintf(p, sizeof(p), "files.%zu.path", i);
		want_str(m, p);
		snprintf(p, sizeof(p), "files.%zu.path_truncated", i);
		b = want(m, p, J_BOOL);
		(void)b;
	}
}

/* Segments against the maps, their image files. */
static void check_segments(struct jv *m, const struct mopts *o)
{
	struct map *mp;
	int n = load_maps(o->maps, &mp);
	struct jv *sg = want(m, "segments", J_ARR);
	uint64_t virt = 0, written = 0, blocks = 0;
	int nunread = 0, nlive = 0, nfrozen = 0;

	if (!sg)
		return;
	if (sg->n != (size_t)n)
		prob("segments: %zu, %s has %d lines", sg->n, o->maps, n);
	for (size_t i = 0; i < sg->n && i < (size_t)n; i++) {
		const struct map *x = &mp[i];
		char p[64], want_file[64], path[700];
		const char *s, *status = NULL;
		uint64_t v = 0, bw = 0;
		struct jv *e, *pj;
		int unread = special_unreadable(x);

		virt += x->end - x->start;
#define P(field) (snprintf(p, sizeof(p), "segments.%zu.%s", i, field), p)
		if ((s = want_str(m, P("start"))) && strcmp(s, x->s_start))
			prob("%s: '%s', the maps say '%s'", p, s, x->s_start);
		if ((s = want_str(m, P("end"))) && strcmp(s, x->s_end))
			prob("%s: '%s', the maps say '%s'", p, s, x->s_end);
		if ((s = want_str(m, P("perms"))) && strcmp(s, x->perms))
			prob("%s: '%s', the maps say '%s'", p, s, x->perms);
		if (want_u64(m, P("offset"), &v) && v != x->offset)
			prob("%s: %" PRIu64 ", the maps say %" PRIu64, p, v,
			     x->offset);
		if ((s = want_str(m, P("dev"))) && strcmp(s, x->dev))
			prob("%s: '%s', the maps say '%s'", p, s, x->dev);
		if (want_u64(m, P("inode"), &v) && v != x->inode)
			prob("%s: %" PRIu64 ", the maps say %" PRIu64, p, v,
			     x->inode);
		pj = jget(m, P("path"));
		if (!pj)
			prob("%s: missing", p);
		else if (pj->t == J_NULL ? x->path[0] != 0 :
			 pj->t != J_STR || strcmp(pj->text, x->path))
			prob("%s: '%s', the maps say '%s'", p,
			     pj->t == J_STR ? pj->text : tname(pj->t), x->path);

		status = want_str(m, P("status"));
		e = jget(m, P("error"));
		if (!e)
			prob("%s: missing", p);
		if (status && !strcmp(status, "unreadable")) {
			nunread++;
			if (!unread)
				prob("segments.%zu (%s-%s %s %s): unreadable "
				     "(%s), a readable mapping", i, x->s_start,
				     x->s_end, x->perms, x->path,
				     e && e->t == J_STR ? e->text : "?");
			if (e && (e->t != J_STR || e->text[0] != 'E' ||
				  !e->text[1]))
				prob("%s: want an errno name", p);
		} else if (status) {
			/* A shared one is live, or frozen by --freeze-shared. */
			const char *st = x->perms[3] != 's' ? "frozen" :
				!strcmp(status, "frozen-copy") ? "frozen-copy" :
				"live";

			if (unread)
				prob("segments.%zu (%s-%s %s %s): status '%s', "
				     "want unreadable", i, x->s_start, x->s_end,
				     x->perms, x->path, status);
			else if (strcmp(status, st))
				prob("segments.%zu (%s %s): status '%s', want "
				     "'%s'", i, x->perms, x->path, status, st);
			if (e && e->t != J_NULL)
				prob("%s: not null for a %s segment", p, status);
			nlive += st[0] == 'l';
			nfrozen += st[0] == 'f';
		}
		/* null, or what a fork would have done: each word once. */
		e = jget(m, P("recovered"));
		if (!e) {
			prob("%s: missing", p);
		} else if (e->t == J_ARR && e->n >= 1 && e->n <= 2) {
			for (size_t k = 0; k < e->n; k++)
				if (e->v[k]->t != J_STR ||
				    (strcmp(e->v[k]->text, "dontfork") &&
				     strcmp(e->v[k]->text, "wipeonfork")) ||
				    (k && !strcmp(e->v[k]->text,
						  e->v[0]->text)))
					prob("%s: want [\"dontfork\", "
					     "\"wipeonfork\"], one or both", p);
		} else if (e->t != J_NULL) {
			prob("%s: want null or an array of 1 or 2", p);
		}
		if (want_u64(m, P("bytes_written"), &bw)) {
			if (bw > x->end - x->start)
				prob("%s: %" PRIu64 " > the segment's %" PRIu64,
				     p, bw, x->end - x->start);
			if (unread && bw)
				prob("%s: %" PRIu64 " for an unreadable segment",
				     p, bw);
			written += bw;
		}
		want_sha(m, P("sha256"), !o->hash || !o->paper, o->hash);

		snprintf(want_file, sizeof(want_file), "segments/%s-%s.img",
			 x->s_start, x->s_end);
		if (o->paper) {
			struct stat st;

			if ((s = want_str(m, P("file"))) &&
			    strcmp(s, want_file))
				prob("%s: '%s', want '%s'", p, s, want_file);
			snprintf(path, sizeof(path), "%s/%s", o->dir,
				 want_file);
			if (stat(path, &st)) {
				prob("%s: %s", path, strerror(errno));
			} else {
				if ((uint64_t)st.st_size != x->end - x->start)
					prob("%s: size %lld, want %" PRIu64,
					     want_file, (long long)st.st_size,
					     x->end - x->start);
				if (unread && st.st_blocks)
					prob("%s: %lld blocks for an unreadable "
					     "segment", want_file,
					     (long long)st.st_blocks);
				blocks += (uint64_t)st.st_blocks;
			}
		}
#undef P
	}
	group("manifest %s: %zu segments match %s one to one, statuses and "
	      "files as documented", o->dir, sg->n, o->maps);
	printf("INFO: segments: %d frozen, %d live, %d unreadable; %" PRIu64
	       " KiB virtual, %" PRIu64 " KiB written (bytes_written), %" PRIu64
	       " KiB allocated on disk\n", nfrozen, nlive, nunread, virt >> 10,
	       written >> 10, blocks / 2);
	free(mp);
}

static int cmd_manifest(int argc, char **argv)
{
	struct mopts o = { .clone = -1, .target = -1, .threads = -1,
		.paper = 1, .core = 1, .hash = 1 };
	char path[600], maps[600];
	struct jv *m;

	if (argc < 1)
		bail("manifest: DIR missing");
	o.dir = argv[0];
	snprintf(maps, sizeof(maps), "%s/index.txt", o.dir);
	o.maps = maps;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";

		if (!strcmp(a, "--no-hash")) {
			o.hash = 0;
		} else if (!strcmp(a, "--ioctl")) {
			o.ioctl = 1;
		} else if (!strcmp(a, "--clone")) {
			o.clone = atol(v), i++;
		} else if (!strcmp(a, "--target")) {
			o.target = atol(v), i++;
		} else if (!strcmp(a, "--threads")) {
			o.threads = atol(v), i++;
		} else if (!strcmp(a, "--maps")) {
			o.maps = v, i++;
		} else if (!strcmp(a, "--format")) {
			o.paper = strcmp(v, "core") != 0;
			o.core = strcmp(v, "paper") != 0;
			i++;
		} else {
			bail("manifest: unknown option '%s'", a);
		}
	}
	if (o.ioctl && (o.clone <= 0 || query_module((pid_t)o.clone)))
		return 1;
	snprintf(path, sizeof(path), "%s/manifest.json", o.dir);
	m = load_json(path);
	pass("manifest %s: valid JSON", o.dir);
	check_header(m, &o);
	group("manifest %s: format, tool, module, host, collector, request, "
	      "snapshot, target, core and root_sha256 fields as documented%s",
	      o.dir, o.ioctl ? " (times equal LIST's)" : "");
	check_threads(m, &o);
	group("manifest %s: threads with 27 user_regs_struct registers "
	      "each%s", o.dir, o.ioctl ? ", equal to the THREADS ioctl's" : "");
	check_files(m);
	group("manifest %s: files as documented", o.dir);
	check_segments(m, &o);
	return failures ? 1 : 0;
}

/* --- core -------------------------------------------------------------------- */

static int cmd_core(int argc, char **argv)
{
	const char *file, *mapsfile, *dir = NULL;
	long threads = -1, clone = -1;
	int ioc = 0, fd, n;
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;
	struct stat st;
	struct map *mp;
	int nload = 0, nnote = 0, nprs = 0, nfp = 0, nxs = 0, nps = 0, nauxv = 0;
	int nfile = 0;
	pid_t prs_pid[MAX_THREADS];
	uint64_t prs_regs[MAX_THREADS][PROCSNAP_NR_GREGS];
	char psname[17] = "";
	pid_t pspid = 0;

	if (argc < 2)
		bail("core: CORE MAPS missing");
	file = argv[0];
	mapsfile = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";

		if (!strcmp(a, "--ioctl"))
			ioc = 1;
		else if (!strcmp(a, "--clone"))
			clone = atol(v), i++;
		else if (!strcmp(a, "--threads"))
			threads = atol(v), i++;
		else if (!strcmp(a, "--dir"))
			dir = v, i++;
		else
			bail("core: unknown option '%s'", a);
	}
	if (ioc && (clone <= 0 || query_module((pid_t)clone)))
		return 1;
	n = load_maps(mapsfile, &mp);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		bail("%s: %s", file, strerror(errno));
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh))
		bail("%s: no ELF header", file);
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_CORE ||
	    eh.e_machine != EM_X86_64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    !eh.e_phnum) {
		fail("core %s: not an x86-64 ELF64 ET_CORE (type %u machine "
		     "%u phentsize %u phnum %u)", file, eh.e_type, eh.e_machine,
		     eh.e_phentsize, eh.e_phnum);
		return 1;
	}
	ph = calloc(eh.e_phnum, sizeof(*ph));
	if (!ph || pread(fd, ph, eh.e_phnum * sizeof(*ph), (off_t)eh.e_phoff) !=
	    (ssize_t)(eh.e_phnum * sizeof(*ph)))
		bail("%s: short program headers", file);
	pass("core %s: an x86-64 ELF64 ET_CORE, %u program headers, %lld "
	     "bytes (%lld KiB allocated)", file, eh.e_phnum,
	     (long long)st.st_size, (long long)st.st_blocks / 2);

	/* PT_LOADs, one per mapping, in order. */
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];
		const struct map *x;
		unsigned int flags;

		if (p->p_type == PT_NOTE)
			nnote++;
		if (p->p_type != PT_LOAD)
			continue;
		if (nload >= n) {
			prob("PT_LOAD %d at %#" PRIx64 ": more loads than maps",
			     nload, (uint64_t)p->p_vaddr);
			nload++;
			continue;
		}
		x = &mp[nload++];
		flags = (x->perms[0] == 'r' ? PF_R : 0) |
			(x->perms[1] == 'w' ? PF_W : 0) |
			(x->perms[2] == 'x' ? PF_X : 0);
		if (p->p_vaddr != x->start || p->p_memsz != x->end - x->start)
			prob("PT_LOAD %d: %#" PRIx64 "+%#" PRIx64 ", the maps "
			     "say %s-%s", nload - 1, (uint64_t)p->p_vaddr,
			     (uint64_t)p->p_memsz, x->s_start, x->s_end);
		if (p->p_flags != flags)
			prob("PT_LOAD %d (%s %s): p_flags %#x, want %#x",
			     nload - 1, x->s_start, x->perms, p->p_flags,
			     flags);
		if (p->p_offset % PAGE)
			prob("PT_LOAD %d: offset %#" PRIx64 " not page aligned",
			     nload - 1, (uint64_t)p->p_offset);
		if (special_unreadable(x) ? p->p_filesz != 0 :
		    p->p_filesz != p->p_memsz)
			prob("PT_LOAD %d (%s %s %s): p_filesz %#" PRIx64
			     ", p_memsz %#" PRIx64, nload - 1, x->s_start,
			     x->perms, x->path, (uint64_t)p->p_filesz,
			     (uint64_t)p->p_memsz);
		if (p->p_filesz && p->p_offset + p->p_filesz >
		    (uint64_t)st.st_size)
			prob("PT_LOAD %d: ends at %#" PRIx64 ", past the file's "
			     "end", nload - 1,
			     (uint64_t)(p->p_offset + p->p_filesz));
	}
	if (nload != n)
		prob("%d PT_LOADs, %s has %d lines", nload, mapsfile, n);
	group("core %s: one PT_LOAD per mapping of %s, in order, flags, page "
	      "aligned offsets, p_filesz 0 exactly for unreadable ones", file,
	      mapsfile);

	/* Notes. */
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];
		char *nb;
		size_t off = 0;

		if (p->p_type != PT_NOTE)
			continue;
		nb = malloc(p->p_filesz);
		if (!nb || pread(fd, nb, p->p_filesz, (off_t)p->p_offset) !=
		    (ssize_t)p->p_filesz)
			bail("%s: short PT_NOTE", file);
		while (off + sizeof(Elf64_Nhdr) <= p->p_filesz) {
			Elf64_Nhdr *nh = (Elf64_Nhdr *)(nb + off);
			size_t name_at = off + sizeof(*nh);
			size_t desc_at = name_at + ((nh->n_namesz + 3) & ~3U);
			const char *desc = nb + desc_at;

			if (desc_at + nh->n_descsz > p->p_filesz) {
				prob("note at %zu overruns its PT_NOTE", off);
				break;
			}
			switch (nh->n_type) {
			case NT_PRSTATUS:
				if (nh->n_descsz != sizeof(struct elf_prstatus)) {
					prob("NT_PRSTATUS: %u bytes, want %zu",
					     nh->n_descsz,
					     sizeof(struct elf_prstatus));
				} else if (nprs < MAX_THREADS) {
					const struct elf_prstatus *ps =
						(const void *)desc;

					prs_pid[nprs] = ps->pr_pid;
					memcpy(prs_regs[nprs], &ps->pr_reg,
					       sizeof(prs_regs[0]));
				}
				nprs++;
				break;
			case NT_PRFPREG:
				nfp++;
				break;
			case NT_X86_XSTATE:
				nxs++;
				break;
			case NT_PRPSINFO:
				if (nh->n_descsz != sizeof(struct elf_prpsinfo)) {
					prob("NT_PRPSINFO: %u bytes, want %zu",
					     nh->n_descsz,
					     sizeof(struct elf_prpsinfo));
				} else {
					const struct elf_prpsinfo *pi =
						(const void *)desc;

					snprintf(psname, sizeof(psname), "%.16s",
						 pi->pr_fname);
					pspid = pi->pr_pid;
				}
				nps++;
				break;
			case NT_AUXV:
				if (!nh->n_descsz || nh->n_descsz % 16 ||
				    ((const uint64_t *)desc)[nh->n_descsz / 8 - 2]
				    != AT_NULL)
					prob("NT_AUXV: %u bytes, not ending in "
					     "AT_NULL", nh->n_descsz);
				nauxv++;
				break;
			case NT_FILE:
				nfile++;
				break;
			default:
				break;
			}
			off = desc_at + ((nh->n_descsz + 3) & ~3U);
		}
		free(nb);
	}
	if (!nnote)
		prob("no PT_NOTE");
	if (threads > 0 && nprs != threads)
		prob("%d NT_PRSTATUS, want %ld (one per thread)", nprs, threads);
	if (nps != 1 || nauxv != 1 || nfile != 1)
		prob("NT_PRPSINFO x%d, NT_AUXV x%d, NT_FILE x%d: want one each",
		     nps, nauxv, nfile);
	if (nfp && nfp != nprs)
		prob("NT_PRFPREG x%d for %d threads", nfp, nprs);
	if (nxs && nxs != nprs)
		prob("NT_X86_XSTATE x%d for %d threads", nxs, nprs);
	for (int i = 0; i < nprs && i < MAX_THREADS; i++)
		if (prs_regs[i][17] != 0x33 || prs_regs[i][20] != 0x2b)
			prob("NT_PRSTATUS %d (pid %d): cs %#" PRIx64 " ss %#"
			     PRIx64, i, prs_pid[i], prs_regs[i][17],
			     prs_regs[i][20]);
	if (ioc) {
		if ((uint32_t)nprs != ioc_nthreads)
			prob("%d NT_PRSTATUS, THREADS has %u", nprs,
			     ioc_nthreads);
		for (int i = 0; i < nprs && i < MAX_THREADS; i++) {
			const struct procsnap_thread_info *t = NULL;

			for (uint32_t j = 0; j < ioc_nthreads; j++)
				if (ioc_threads[j].tid == prs_pid[i])
					t = &ioc_threads[j];
			if (!t) {
				prob("NT_PRSTATUS %d: pid %d not in THREADS", i,
				     prs_pid[i]);
				continue;
			}
			if (i == 0 && !(t->flags & PROCSNAP_THREAD_DUPLICATED))
				prob("NT_PRSTATUS 0 (tid %d) is not the thread "
				     "that ran the copy", t->tid);
			for (int r = 0; r < PROCSNAP_NR_GREGS; r++)
				if (prs_regs[i][r] != t->regs[r]) {
					prob("NT_PRSTATUS %d (tid %d): %s %#"
					     PRIx64 ", THREADS says %#llx", i,
					     t->tid, reg_names[r],
					     prs_regs[i][r], t->regs[r]);
					break;
				}
		}
	}
	group("core %s: notes: %d NT_PRSTATUS, %d NT_PRFPREG, %d "
	      "NT_X86_XSTATE, NT_PRPSINFO (%s, pid %d), NT_AUXV, NT_FILE%s",
	      file, nprs, nfp, nxs,
	      psname, pspid,
	      ioc ? "; registers equal THREADS', the copying thread first" :
	      "");

	/* The memory, against the paper images of the same collection. */
	if (dir) {
		char *a = malloc(1 << 20), *b = malloc(1 << 20);
		uint64_t same = 0;
		int k = 0;

		if (!a || !b)
			bail("out of memory");
		for (unsigned int i = 0; i < eh.e_phnum; i++) {
			const Elf64_Phdr *p = &ph[i];
			char path[700];
			int ifd;

			if (p->p_type != PT_LOAD || k >= n)
				continue;
			const struct map *x = &mp[k++];
			if (!p->p_filesz)
				continue;
			snprintf(path, sizeof(path), "%s/segments/%s-%s.img",
				 dir, x->s_start, x->s_end);
			ifd = open(path, O_RDONLY | O_CLOEXEC);
			if (ifd < 0) {
				prob("%s: %s", path, strerror(errno));
				continue;
			}
			for (uint64_t o = 0; o < p->p_filesz; o += 1 << 20) {
				size_t len = p->p_filesz - o < (1 << 20) ?
					(size_t)(p->p_filesz - o) : 1 << 20;

				if (pread(fd, a, len, (off_t)(p->p_offset + o))
				    != (ssize_t)len ||
				    pread(ifd, b, len, (off_t)o) !=
				    (ssize_t)len) {
					prob("%s: short read", x->s_start);
					break;
				}
				if (memcmp(a, b, len)) {
					size_t q = 0;

					while (a[q] == b[q])
						q++;
					prob("core and %s differ at %#" PRIx64,
					     path, x->start + o + q);
					break;
				}
				same += len;
			}
			close(ifd);
		}
		group("core %s: every loaded byte (%" PRIu64 " KiB) equals the "
		      "segment images in %s", file, same >> 10, dir);
	}
	return failures ? 1 : 0;
}

/* --- contains ------------------------------------------------------------ */

static int cmd_contains(const char *file, const char *patfile)
{
	size_t plen, flen;
	char *pat = slurp(patfile, &plen), *data;
	int found = 0;

	if (!pat || !plen)
		bail("%s: %s", patfile, pat ? "empty" : strerror(errno));
	data = slurp(file, &flen);
	if (!data)
		bail("%s: %s", file, strerror(errno));
	for (char *p = data; flen >= plen && p <= data + flen - plen; p++) {
		p = memmem(p, (size_t)(data + flen - p), pat, plen);
		if (!p)
			break;
		if (found++ < 4)
			printf("offset=%td\n", p - data);
	}
	if (found > 4)
		printf("... %d matches\n", found);
	return found ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: evcheck json FILE\n"
		"       evcheck get FILE PATH\n"
		"       evcheck manifest DIR [--clone N] [--target N] [--threads N]\n"
		"                        [--format paper|core|both] [--no-hash]\n"
		"                        [--maps FILE] [--ioctl]\n"
		"       evcheck core CORE MAPS [--threads N] [--clone N] [--ioctl]\n"
		"                        [--dir EVDIR]\n"
		"       evcheck contains FILE PATFILE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3)
		usage();
	if (!strcmp(argv[1], "json") && argc == 3) {
		char path[1024] = "";

		flatten(load_json(argv[2]), path, 0);
		return 0;
	}
	if (!strcmp(argv[1], "get") && argc == 4) {
		struct jv *v = jget(load_json(argv[2]), argv[3]);

		if (!v)
			return 1;
		print_scalar(stdout, v);
		putchar('\n');
		return 0;
	}
	if (!strcmp(argv[1], "manifest"))
		return cmd_manifest(argc - 2, argv + 2);
	if (!strcmp(argv[1], "core"))
		return cmd_core(argc - 2, argv + 2);
	if (!strcmp(argv[1], "contains") && argc == 4)
		return cmd_contains(argv[2], argv[3]);
	usage();
}
