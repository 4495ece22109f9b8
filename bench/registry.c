/*
 * bench/registry.c - every implementation this binary can time: gomap's
 * own maps, the C and C++ peers compiled in (GB_HAVE_* from CMake, one per
 * package found), the Go program's maps and the variant builds (children,
 * present when their executable exists). Calls proc.c (a child
 * implementation's `--version`) and the adapters, nothing else.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int gb_gomap_impls(const gb_impl **out, int max);
#ifdef GB_HAVE_URCU
const gb_impl *gb_impl_urcu_lfht(void);
#endif
#ifdef GB_HAVE_CK
const gb_impl *gb_impl_ck_ht(void);
#endif
#ifdef GB_HAVE_TBB
const gb_impl *gb_impl_tbb_chm(void);
#endif
#ifdef GB_HAVE_CUCKOO
const gb_impl *gb_impl_libcuckoo(void);
#endif
#ifdef GB_HAVE_ABSL
const gb_impl *gb_impl_absl_flat(void);
const gb_impl *gb_impl_absl_flat_mutex(void);
#endif
#ifdef GB_HAVE_GLIB
const gb_impl *gb_impl_glib(void);
#endif

#define GB_MAX_IMPLS 64

bool gb_registry_children_off;

static const gb_impl *impls[GB_MAX_IMPLS + 1];
static int nimpls;
static char missing[1024];

static void add(const gb_impl *i)
{
	if (i && nimpls < GB_MAX_IMPLS)
		impls[nimpls++] = i;
}

static void note_missing(const char *what)
{
	size_t l = strlen(missing);
	snprintf(missing + l, sizeof missing - l, "%s%s", l ? "; " : "", what);
}

/* A program next to this executable, else at its build path. */
static char *find_program(const char *env, const char *built)
{
	const char *e = env ? getenv(env) : NULL;
	if (e && *e)
		return access(e, X_OK) == 0 ? strdup(e) : NULL;
	char self[PATH_MAX];
	ssize_t l = readlink("/proc/self/exe", self, sizeof self - 1);
	if (l > 0 && built && *built) {
		self[l] = '\0';
		char *b = strdup(built);
		char path[PATH_MAX * 2];
		snprintf(path, sizeof path, "%s/%s", dirname(self), basename(b));
		free(b);
		if (access(path, X_OK) == 0)
			return strdup(path);
	}
	if (built && *built && access(built, X_OK) == 0)
		return strdup(built);
	return NULL;
}

/* First line of `exe --version`, or NULL. */
static char *child_version(const char *exe)
{
	char *argv[] = { (char *)exe, "--version", NULL };
	int status;
	char *out = gb_proc_capture(argv, 30, &status);
	if (!out || status != 0) {
		free(out);
		return NULL;
	}
	out[strcspn(out, "\r\n")] = '\0';
	return out;
}

static void add_go(void)
{
#ifdef GB_GO_EXE
	const char *built = GB_GO_EXE;
#else
	const char *built = NULL;
#endif
	char *exe = find_program("GOMAP_BENCH_GO", built);
	char *ver = exe ? child_version(exe) : NULL;
	if (!ver) {
		note_missing(built ? "go-* (the Go program did not run)"
		                   : "go-* (Go not found at configure time)");
		free(exe);
		return;
	}
	static const struct {
		const char *name, *desc;
		unsigned flags;
	} go[] = {
		{ "go-map", "Go map (single thread)", 0 },
		{ "go-map-mutex", "Go map + sync.Mutex", GB_F_CONCURRENT },
		{ "go-map-rwmutex", "Go map + sync.RWMutex", GB_F_CONCURRENT },
		{ "go-syncmap", "Go sync.Map", GB_F_CONCURRENT },
		{ "go-chan", "Go map owned by one goroutine, requests over channels", GB_F_CONCURRENT },
	};
	size_t n = sizeof go / sizeof *go;
	gb_impl *g = calloc(n, sizeof *g);
	gb_child *ch = calloc(1, sizeof *ch);
	char *notes = malloc(strlen(ver) + 8);
	char *version = malloc(strlen(ver) + 8);
	if (!g || !ch || !notes || !version)
		return;
	sprintf(notes, "go=%s", ver);
	sprintf(version, "Go %s", ver);
	ch->exe = exe;
	for (size_t i = 0; i < n; i++) {
		g[i] = (gb_impl){ .name = go[i].name, .group = "go", .desc = go[i].desc,
		                  .flags = go[i].flags | GB_F_CHILD, .version = version,
		                  .notes = notes, .child = ch };
		add(&g[i]);
	}
	free(ver);
}

static void add_variants(void)
{
	for (const gb_variant *v = gb_variants; v->name; v++) {
		char *exe = find_program(NULL, v->exe);
		char *ver = exe ? child_version(exe) : NULL;
		if (!ver) {
			char why[160];
			snprintf(why, sizeof why, "map-%s (%s not runnable)", v->name, v->exe);
			note_missing(why);
			free(exe);
			continue;
		}
		free(ver);
		gb_impl *g = calloc(1, sizeof *g);
		gb_child *ch = calloc(1, sizeof *ch);
		char *name = malloc(strlen(v->name) + 8);
		char *notes = malloc(strlen(v->defs) + 8);
		if (!g || !ch || !name || !notes)
			return;
		sprintf(name, "map-%s", v->name);
		sprintf(notes, "build=%s", v->defs);
		*ch = (gb_child){ .exe = exe, .as = "map", .only = v->workloads };
		*g = (gb_impl){ .name = name, .group = "variant",
		                .desc = v->desc, .flags = GB_F_CHILD, .notes = notes,
		                .child = ch };
		add(g);
	}
}

const gb_impl *const *gb_impls(void)
{
	static int built;
	if (built)
		return impls;
	built = 1;
	nimpls += gb_gomap_impls(impls, GB_MAX_IMPLS);
#ifdef GB_HAVE_URCU
	add(gb_impl_urcu_lfht());
#endif
#ifdef GB_HAVE_CK
	add(gb_impl_ck_ht());
#endif
#ifdef GB_HAVE_TBB
	add(gb_impl_tbb_chm());
#endif
#ifdef GB_HAVE_CUCKOO
	add(gb_impl_libcuckoo());
#endif
#ifdef GB_HAVE_ABSL
	add(gb_impl_absl_flat());
	add(gb_impl_absl_flat_mutex());
#endif
#ifdef GB_HAVE_GLIB
	add(gb_impl_glib());
#endif
	/* Peers CMake did not find. */
	if (GB_MISSING[0])
		note_missing(GB_MISSING);
	if (!gb_registry_children_off) {
		add_go();
		add_variants();
	}
	impls[nimpls] = NULL;
	return impls;
}

const gb_impl *gb_impl_find(const char *name)
{
	for (const gb_impl *const *i = gb_impls(); *i; i++)
		if (strcmp((*i)->name, name) == 0)
			return *i;
	return NULL;
}

const char *gb_impls_missing(void)
{
	gb_impls();
	return missing;
}

bool gb_impl_supports(const gb_impl *i, gb_keys k)
{
	return (i->flags & GB_F_CHILD) || i->ops[k].load != NULL;
}

bool gb_impl_supports_kind(const gb_impl *i, gb_kind kind, gb_keys k)
{
	if (i->flags & GB_F_CHILD)
		return true;
	if (!gb_impl_supports(i, k))
		return false;
	return kind != GB_K_COUNT || (i->ops[k].inc && i->ops[k].sum);
}

bool gb_child_only_allows(const gb_child *ch, const char *workload)
{
	if (!ch || !ch->only)
		return true;
	size_t wl = strlen(workload);
	for (const char *p = ch->only; *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == wl && strncmp(p, workload, l) == 0)
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}
