/*
 * svg.c - small line plots as inline SVG (see svg.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "svg.h"

/* The frame, in SVG user units (the element scales to its box). */
#define W 640.0
#define PLOT_L 64.0		/* left margin: tick labels, y label */
#define PLOT_R 30.0		/* room for the last tick label */
#define PLOT_T 30.0		/* title */
#define PLOT_H 260.0
#define AXIS_B 44.0		/* below the plot: tick labels, x label */
#define LEGEND_ROW 18.0
#define CHAR_W 6.6		/* a 12-unit sans character, roughly */
#define MAX_TICKS 24
#define MAX_MARKS 8		/* markers on a series with many points */

/* Okabe & Ito: blue, vermillion, bluish green, reddish purple, orange, sky blue, black. */
static const char *const palette[SVG_COLOURS] = {
	"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
};
static const char *const dashes[SVG_DASHES] = { "", "7 4", "2 3", "9 3 2 3" };

struct series {
	char *name;
	struct svg_style st;
	bool guide, note;
	double *x, *y;
	unsigned n;
};

struct svg_plot {
	char *title;
	struct svg_axis ax[2];
	char *axlabel[2];
	double tick[2][MAX_TICKS];
	unsigned nticks[2];
	struct series *s;
	unsigned ns, cap, nseries;
};

const char *svg_colour(unsigned k)
{
	return palette[k % SVG_COLOURS];
}

void svg_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

void svg_fmt_num(double v, char *buf, size_t len)
{
	double a = fabs(v);

	if (a >= 1e6)
		snprintf(buf, len, "%gM", v / 1e6);
	else if (a >= 1e3)
		snprintf(buf, len, "%gk", v / 1e3);
	else
		snprintf(buf, len, "%g", v);
}

void svg_fmt_us(double us, char *buf, size_t len)
{
	if (us >= 1e6)
		snprintf(buf, len, "%g s", us / 1e6);
	else if (us >= 1e3)
		snprintf(buf, len, "%g ms", us / 1e3);
	else
		snprintf(buf, len, "%g \xc2\xb5s", us);
}

struct svg_plot *svg_new(const char *title, const struct svg_axis *x, const struct svg_axis *y)
{
	struct svg_plot *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->title = strdup(title ? title : "");
	p->ax[0] = *x;
	p->ax[1] = *y;
	p->axlabel[0] = strdup(x->label ? x->label : "");
	p->axlabel[1] = strdup(y->label ? y->label : "");
	if (!p->title || !p->axlabel[0] || !p->axlabel[1]) {
		svg_free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

void svg_free(struct svg_plot *p)
{
	unsigned i;

	if (!p)
		return;
	for (i = 0; i < p->ns; i++) {
		free(p->s[i].name);
		free(p->s[i].x);
		free(p->s[i].y);
	}
	free(p->s);
	free(p->axlabel[0]);
	free(p->axlabel[1]);
	free(p->title);
	free(p);
}

void svg_range(struct svg_plot *p, bool y, double lo, double hi)
{
	p->ax[y].lo = lo;
	p->ax[y].hi = hi;
}

unsigned svg_nseries(const struct svg_plot *p)
{
	return p->nseries;
}

/* A new entry with copies of name and the points. */
static struct series *add(struct svg_plot *p, const char *name, const double *x,
			  const double *y, unsigned n)
{
	struct series *s;

	if (p->ns == p->cap) {
		unsigned cap = p->cap ? 2 * p->cap : 8;
		struct series *ns = realloc(p->s, cap * sizeof(*ns));

		if (!ns)
			return NULL;
		p->s = ns;
		p->cap = cap;
	}
	s = &p->s[p->ns];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name ? name : "");
	s->x = malloc((n ? n : 1) * sizeof(double));
	s->y = malloc((n ? n : 1) * sizeof(double));
	if (!s->name || !s->x || !s->y) {
		free(s->name);
		free(s->x);
		free(s->y);
		return NULL;
	}
	memcpy(s->x, x, n * sizeof(double));
	memcpy(s->y, y, n * sizeof(double));
	s->n = n;
	p->ns++;
	return s;
}

int svg_series(struct svg_plot *p, const char *name, struct svg_style st,
	       const double *x, const double *y, unsigned n)
{
	struct series *s = add(p, name, x, y, n);

	if (!s)
		return -ENOMEM;
	s->st = st;
	p->nseries++;
	return 0;
}

int svg_guide(struct svg_plot *p, const char *name, double x0, double y0, double x1, double y1)
{
	double x[2] = { x0, x1 }, y[2] = { y0, y1 };
	struct series *s = add(p, name, x, y, 2);

	if (!s)
		return -ENOMEM;
	s->guide = true;
	return 0;
}

int svg_note(struct svg_plot *p, double x, double y, struct svg_style st, const char *text)
{
	struct series *s = add(p, text, &x, &y, 1);

	if (!s)
		return -ENOMEM;
	s->st = st;
	s->note = true;
	return 0;
}

/* --- scales --- */

static bool usable(const struct svg_axis *a, double v)
{
	return isfinite(v) && (a->scale != SVG_LOG || v > 0);
}

/* The data's range on axis k (guides and notes count too). */
static void data_range(const struct svg_plot *p, unsigned k, double *lo, double *hi)
{
	unsigned i, j;

	*lo = INFINITY;
	*hi = -INFINITY;
	for (i = 0; i < p->ns; i++)
		for (j = 0; j < p->s[i].n; j++) {
			double v = k ? p->s[i].y[j] : p->s[i].x[j];

			if (!usable(&p->ax[k], v))
				continue;
			*lo = fmin(*lo, v);
			*hi = fmax(*hi, v);
		}
}

/* 1, 2 or 5 times a power of ten, near span/5. */
static double nice_step(double span)
{
	double raw = span / 5, mag = pow(10, floor(log10(raw))), f = raw / mag;

	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

static void linear_ticks(struct svg_plot *p, unsigned k)
{
	struct svg_axis *a = &p->ax[k];
	double step, v;

	if (a->hi - a->lo <= 0)
		a->hi = a->lo + 1;
	step = nice_step(a->hi - a->lo);
	a->lo = floor(a->lo / step + 1e-9) * step;
	a->hi = ceil(a->hi / step - 1e-9) * step;
	p->nticks[k] = 0;
	for (v = a->lo; v <= a->hi + step / 2 && p->nticks[k] < MAX_TICKS; v += step)
		p->tick[k][p->nticks[k]++] = fabs(v) < step / 1e6 ? 0 : v;
}

static void log_ticks(struct svg_plot *p, unsigned k)
{
	static const double sub[3] = { 1, 2, 5 };
	struct svg_axis *a = &p->ax[k];
	double d, e0 = floor(log10(a->lo) + 1e-9), e1 = ceil(log10(a->hi) - 1e-9);
	unsigned i;

	if (e1 <= e0)
		e1 = e0 + 1;
	a->lo = pow(10, e0);
	a->hi = pow(10, e1);
	p->nticks[k] = 0;
	for (d = e0; d <= e1 && p->nticks[k] < MAX_TICKS; d++)
		for (i = 0; i < (e1 - e0 <= 2 ? 3u : 1u) && p->nticks[k] < MAX_TICKS; i++)
			if (sub[i] * pow(10, d) <= a->hi * (1 + 1e-9))
				p->tick[k][p->nticks[k]++] = sub[i] * pow(10, d);
}

/* Fix both axes' ranges and ticks from the data where they are not given. */
static void set_scales(struct svg_plot *p)
{
	unsigned k, i;

	for (k = 0; k < 2; k++) {
		struct svg_axis *a = &p->ax[k];
		bool given = a->lo < a->hi;
		double lo, hi;

		if (!given) {
			data_range(p, k, &lo, &hi);
			if (!(lo <= hi)) {
				lo = a->scale == SVG_LOG ? 1 : 0;
				hi = a->scale == SVG_LOG ? 10 : 1;
			}
			if (a->scale == SVG_LINEAR && a->from_zero && lo > 0)
				lo = 0;
			a->lo = lo;
			a->hi = hi;
		}
		if (a->ticks) {
			if (a->hi <= a->lo)
				a->hi = a->lo + 1;
			p->nticks[k] = 0;
			for (i = 0; i < a->nticks && p->nticks[k] < MAX_TICKS; i++)
				if (a->ticks[i] >= a->lo - 1e-9 && a->ticks[i] <= a->hi + 1e-9)
					p->tick[k][p->nticks[k]++] = a->ticks[i];
		} else if (a->scale == SVG_LOG) {
			log_ticks(p, k);
		} else {
			linear_ticks(p, k);
		}
	}
}

/* Axis k's value v as a fraction 0..1 of its length (may fall outside). */
static double frac(const struct svg_axis *a, double v)
{
	if (a->scale == SVG_LOG)
		return (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
	return (v - a->lo) / (a->hi - a->lo);
}

static double px(const struct svg_plot *p, double v)
{
	return PLOT_L + frac(&p->ax[0], v) * (W - PLOT_L - PLOT_R);
}

static double py(const struct svg_plot *p, double v)
{
	return PLOT_T + (1 - frac(&p->ax[1], v)) * PLOT_H;
}

static bool inside(const struct svg_plot *p, double x, double y)
{
	double fx = frac(&p->ax[0], x), fy = frac(&p->ax[1], y);

	return fx > -1e-9 && fx < 1 + 1e-9 && fy > -1e-9 && fy < 1 + 1e-9;
}

/* --- drawing --- */

/* Marker m at (x, y), scale 1 for the last series drawn (larger under it). */
static void marker(FILE *f, unsigned m, double x, double y, const char *colour, double scale)
{
	fprintf(f, "<g transform=\"translate(%.1f %.1f) scale(%.2f) translate(%.1f %.1f)\">",
		x, y, scale, -x, -y);
	switch (m % SVG_MARKERS) {
	case 0:
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.2\" fill=\"%s\"/>", x, y, colour);
		break;
	case 1:
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"6\" height=\"6\" fill=\"%s\"/>",
			x - 3, y - 3, colour);
		break;
	case 2:
		fprintf(f, "<path d=\"M%.1f %.1fl3.8 6.6h-7.6z\" fill=\"%s\"/>", x, y - 4.4, colour);
		break;
	case 3:
		fprintf(f, "<path d=\"M%.1f %.1fl4 4l-4 4l-4 -4z\" fill=\"%s\"/>", x, y - 4, colour);
		break;
	default:
		fprintf(f, "<path d=\"M%.1f %.1fl7 7m0 -7l-7 7\" stroke=\"%s\" stroke-width=\"2\"/>",
			x - 3.5, y - 3.5, colour);
	}
	fprintf(f, "</g>");
}

static void axis_labels(const struct svg_plot *p, FILE *f)
{
	char buf[64];
	unsigned i;
	svg_fmt_fn fx = p->ax[0].fmt ? p->ax[0].fmt : svg_fmt_num;
	svg_fmt_fn fy = p->ax[1].fmt ? p->ax[1].fmt : svg_fmt_num;

	fprintf(f, "<g class=\"grid\" stroke=\"#ddd\" stroke-width=\"1\">");
	for (i = 0; i < p->nticks[0]; i++)
		fprintf(f, "<path d=\"M%.1f %.1fV%.1f\"/>", px(p, p->tick[0][i]), PLOT_T, PLOT_T + PLOT_H);
	for (i = 0; i < p->nticks[1]; i++)
		fprintf(f, "<path d=\"M%.1f %.1fH%.1f\"/>", PLOT_L, py(p, p->tick[1][i]), W - PLOT_R);
	fprintf(f, "</g>\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#555\"/>\n",
		PLOT_L, PLOT_T, W - PLOT_L - PLOT_R, PLOT_H);
	fprintf(f, "<g class=\"ticks\" font-size=\"11\" fill=\"#333\">");
	for (i = 0; i < p->nticks[0]; i++) {
		fx(p->tick[0][i], buf, sizeof(buf));
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", px(p, p->tick[0][i]),
			PLOT_T + PLOT_H + 15);
		svg_escape(f, buf);
		fprintf(f, "</text>");
	}
	for (i = 0; i < p->nticks[1]; i++) {
		fy(p->tick[1][i], buf, sizeof(buf));
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", PLOT_L - 5,
			py(p, p->tick[1][i]) + 4);
		svg_escape(f, buf);
		fprintf(f, "</text>");
	}
	fprintf(f, "</g>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">",
		PLOT_L + (W - PLOT_L - PLOT_R) / 2, PLOT_T + PLOT_H + 34);
	svg_escape(f, p->axlabel[0]);
	fprintf(f, "</text>\n<text transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">",
		PLOT_T + PLOT_H / 2);
	svg_escape(f, p->axlabel[1]);
	fprintf(f, "</text>\n");
}

/* Points of s that are drawn: on a log axis only positive ones. */
static bool drawable(const struct svg_plot *p, const struct series *s, unsigned j)
{
	return usable(&p->ax[0], s->x[j]) && usable(&p->ax[1], s->y[j]) &&
	       inside(p, s->x[j], s->y[j]);
}

/*
 * Series idx, its colour top colours from the last: earlier colours are
 * drawn wider, so where two lie on top of each other (two builds that both
 * keep up) the first still shows round the last.
 */
static void draw_series(const struct svg_plot *p, const struct series *s, unsigned idx,
			unsigned top, FILE *f)
{
	const char *c = s->guide ? "#888" : svg_colour(s->st.colour);
	const char *dash = s->guide ? "4 3" : dashes[s->st.dash % SVG_DASHES];
	unsigned j, shown = 0, every = s->n > 20 ? (s->n + MAX_MARKS - 1) / MAX_MARKS : 1;
	double width = s->guide ? 1.2 : 2 + 1.2 * (top < 2 ? top : 2);
	bool pen = false;

	fprintf(f, "<path class=\"%s s%u\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s%s%s d=\"",
		s->guide ? "guide" : "series", idx, c, width,
		*dash ? " stroke-dasharray=\"" : "", dash, *dash ? "\"" : "");
	for (j = 0; j < s->n; j++) {
		if (!drawable(p, s, j)) {
			pen = false;
			continue;
		}
		fprintf(f, "%c%.1f %.1f", pen ? 'L' : 'M', px(p, s->x[j]), py(p, s->y[j]));
		pen = true;
	}
	fprintf(f, "\"><title>");
	svg_escape(f, s->name);
	fprintf(f, "</title></path>\n");
	if (s->guide)
		return;
	fprintf(f, "<g class=\"marks\">");
	for (j = 0; j < s->n; j++)
		if (drawable(p, s, j) && (j % every == 0 || j == s->n - 1) && shown++ < MAX_MARKS + 1)
			marker(f, s->st.marker, px(p, s->x[j]), py(p, s->y[j]), c, width / 2);
	fprintf(f, "</g>\n");
}

static void draw_note(const struct svg_plot *p, const struct series *s, FILE *f)
{
	double x, y;
	bool right, below;

	if (!drawable(p, s, 0))
		return;
	x = px(p, s->x[0]);
	y = py(p, s->y[0]);
	right = x < W - 110;
	below = y < PLOT_T + 0.8 * PLOT_H;	/* else above, clear of the tick labels */
	fprintf(f, "<g class=\"note\"><circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"/>"
		   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"%s\" fill=\"%s\" "
		   "stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">",
		x, y, svg_colour(s->st.colour), right ? x + 10 : x - 10, below ? y + 14 : y - 10,
		right ? "start" : "end", svg_colour(s->st.colour));
	svg_escape(f, s->name);
	fprintf(f, "</text></g>\n");
}

/* The legend's entry widths, row by row: the number of rows. */
static unsigned legend_rows(const struct svg_plot *p, double *xs, unsigned *rows)
{
	double x = PLOT_L;
	unsigned i, r = 0;
	bool any = false;

	for (i = 0; i < p->ns; i++) {
		double w = 34 + CHAR_W * (double)strlen(p->s[i].name) + 14;

		if (p->s[i].note)
			continue;
		if (any && x + w > W - PLOT_R) {
			x = PLOT_L;
			r++;
		}
		xs[i] = x;
		rows[i] = r;
		x += w;
		any = true;
	}
	return any ? r + 1 : 0;
}

static void draw_legend(const struct svg_plot *p, FILE *f, const double *xs, const unsigned *rows)
{
	double top = PLOT_T + PLOT_H + AXIS_B;
	unsigned i;

	fprintf(f, "<g class=\"legend\" font-size=\"12\">");
	for (i = 0; i < p->ns; i++) {
		const struct series *s = &p->s[i];
		const char *c = s->guide ? "#888" : svg_colour(s->st.colour);
		const char *dash = s->guide ? "4 3" : dashes[s->st.dash % SVG_DASHES];
		double y = top + rows[i] * LEGEND_ROW + 9;

		if (s->note)
			continue;
		fprintf(f, "<path d=\"M%.1f %.1fh28\" stroke=\"%s\" stroke-width=\"%s\"%s%s%s/>",
			xs[i], y, c, s->guide ? "1.2" : "2", *dash ? " stroke-dasharray=\"" : "",
			dash, *dash ? "\"" : "");
		if (!s->guide)
			marker(f, s->st.marker, xs[i] + 14, y, c, 1);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", xs[i] + 34, y + 4);
		svg_escape(f, s->name);
		fprintf(f, "</text>");
	}
	fprintf(f, "</g>\n");
}

int svg_write(struct svg_plot *p, FILE *f)
{
	double *xs = calloc(p->ns + 1, sizeof(double));
	unsigned *rows = calloc(p->ns + 1, sizeof(unsigned)), i, k = 0, nrows, last = 0;
	double h;

	if (!xs || !rows) {
		free(xs);
		free(rows);
		return -ENOMEM;
	}
	set_scales(p);
	nrows = legend_rows(p, xs, rows);
	h = PLOT_T + PLOT_H + AXIS_B + nrows * LEGEND_ROW + 6;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" viewBox=\"0 0 %.0f %.0f\" "
		   "font-family=\"sans-serif\" role=\"img\"><title>", W, h);
	svg_escape(f, p->title);
	fprintf(f, "</title>\n<text x=\"%.1f\" y=\"18\" font-size=\"14\" font-weight=\"bold\">", PLOT_L);
	svg_escape(f, p->title);
	fprintf(f, "</text>\n");
	axis_labels(p, f);
	for (i = 0; i < p->ns; i++) {
		if (p->s[i].guide)
			draw_series(p, &p->s[i], 0, 0, f);
		else if (!p->s[i].note)
			last = p->s[i].st.colour > last ? p->s[i].st.colour : last;
	}
	for (i = 0; i < p->ns; i++)
		if (!p->s[i].guide && !p->s[i].note)
			draw_series(p, &p->s[i], k++, last - p->s[i].st.colour, f);
	for (i = 0; i < p->ns; i++)
		if (p->s[i].note)
			draw_note(p, &p->s[i], f);
	draw_legend(p, f, xs, rows);
	fprintf(f, "</svg>\n");
	free(xs);
	free(rows);
	return ferror(f) ? -EIO : 0;
}
