/*
 * A C port of the capacity sweep kernel (packages/wasm/assembly/sweep.ts: swRun), for the
 * side-by-side benchmark bench/sweep/c-port.mjs. Same grid stepping (the start index decoded once,
 * then an odometer), same rules (outer state per setting of the ten outer parameters, the closed
 * form maxUnder, the constraint split), same aggregates (counts per model, frontier buckets,
 * heatmap cells), in the same order of operations, so the aggregates come out bit for bit equal.
 *
 *   cc -O2 -o sweep-c bench/c/sweep.c
 *   sweep-c CONFIG.bin START COUNT [heat]
 *
 * CONFIG.bin is the kernel's config block exactly as the engine writes it into wasm memory
 * (packages/engine/src/sweep/kernel.ts: configBlock), little-endian i32 words, with the value-list
 * pointers as byte offsets from the start of the block; bench/sweep/c-port.mjs writes it from a
 * sweep spec. Prints "rows N", "kernel_ns T" and then every aggregate, one per line.
 * Only the aggregating path of swRun is ported (segment, heatSegment); records are not.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>

#define NDIM 12
#define W_COUNT 0
#define W_VALUES 12
#define W_FACTS 24
#define F_RESERVED 0
#define F_SMALLEST_SUBNET_LEN 1
#define F_NODE_POD_BLOCK_LEN 2
#define F_STATIC_SIZE 3
#define F_STATIC_RESERVED 4
#define F_STATIC_LOST 5
#define F_STATIC_MAX_LEN 6
#define F_DYNAMIC_BATCH 7
#define F_ROUTE_LIMIT 8
#define F_CLUSTER_LIMIT 9
#define F_POOL_LIMIT 10
#define F_VNET_LIMIT 11
#define F_LB_PORTS 12
#define F_SERVICE_MIN_LEN 13
#define F_MODEL_LIMIT 14
#define F_DEFAULT_MAX_PODS 20
#define W_NCONS 50
#define W_OBJECTIVE 51
#define W_CONS 52
#define CONS_WORDS 4
#define W_HEAT_ON 84
#define W_HEAT_X 85
#define W_HEAT_Y 86
#define W_HEAT_VALUE 87
#define W_HEAT_AGG 88
#define W_HEAT_OF 89
#define CFG_WORDS 90

#define D_MODEL 0
#define D_POOLS 1
#define D_NODE_LEN 2
#define D_POD_LEN 3
#define D_SERVICE_LEN 4
#define D_MAX_PODS 5
#define D_OUTBOUND 6
#define D_IPS 7
#define D_PORTS 8
#define D_SURGE 9
#define D_AUTOSCALE 10
#define D_NODES 11
#define M_NODES 12
#define M_PODS 13
#define M_MAX_NODES 14
#define M_POD_CAPACITY 15
#define M_VNET 16
#define M_SURGE_NODES 17
#define M_NODE_REQ 18
#define M_POD_REQ 19
#define M_SERVICES 20
#define M_FITS 21
#define M_COUNT 22
#define SURGE_PERCENT 0x40000000

#define KUBENET 0
#define AZURE_CNI 1
#define POD_SUBNET 2
#define STATIC_BLOCK 3
#define OVERLAY 4
#define MODELS 6
#define L_NODE_SUBNET 1
#define L_POD_RANGE 2
#define L_ROUTE_TABLE 3
#define L_MODEL_LIMIT 4
#define L_CLUSTER_LIMIT 5
#define L_POOL_LIMIT 6
#define L_SNAT 7
#define L_VNET 8

#define A_COUNTS 0
#define A_FRONT 18
#define LENS 33
#define A_HEAT (A_FRONT + MODELS * LENS * LENS * 2)
#define AGG_MAX 0
#define AGG_MIN 1

typedef struct { int32_t kind; int32_t withSurge; int64_t k; } Res;

static const int32_t *cfgW;
static const int32_t *vals[NDIM];
static int32_t oModel, oNodeLen, oPodLen, oPodKind, oLimit, nRes, nPre, fSmallest;
static int64_t oPools, oMaxPods, oSurgeV, oNodePer, oPodPer, oNodeUsable, oPodCap, oVnet, oPoolMax, oMaxNodes;
static int64_t fReserved, fPoolLimit;
static int oSurgePct, oServiceOk, oConsOk;
static Res RES[8];
static int64_t MET[24];
static uint8_t INNER[24];
static int32_t DIGIT[NDIM];

static inline int32_t word(int i) { return cfgW[i]; }
static inline int32_t fact(int i) { return cfgW[W_FACTS + i]; }
static inline int32_t valueAt(int d, int digit) { return vals[d][digit]; }
static inline int64_t pow2(int bits) { return (int64_t)1 << bits; }
static inline int64_t usable(int len) { int64_t u = pow2(32 - len) - fReserved; return u > 0 ? u : 0; }
static inline int clog2(int64_t x) { return x <= 1 ? 0 : 64 - __builtin_clzll((uint64_t)(x - 1)); }
static inline int64_t ceilDiv100(int64_t x) {
  uint64_t y = (uint64_t)(x + 99);
  return y < 0x100000000ull ? (int64_t)((y * 1374389535ull) >> 37) : (int64_t)(y / 100);
}
static inline int64_t surgeOf(int64_t n) {
  int64_t e = oSurgePct ? ceilDiv100(n * oSurgeV) : oSurgeV;
  return e < n ? e : n;
}

static inline int64_t underSurge(int64_t k, int withSurge) {
  if (k < 0) return -1;
  if (!withSurge) return k;
  if (oSurgePct) {
    int64_t p = oSurgeV;
    if (p >= 100) return k >> 1;
    if (p == 0) return k;
    int64_t n = (k * 100) / (100 + p);
    if (n + (n * p + 99) / 100 > k) n--;
    return n;
  }
  int64_t v = oSurgeV;
  return k <= 2 * v ? k >> 1 : k - v;
}

static inline int64_t plainMax(int64_t rem, int64_t per) { return rem < 0 ? -1 : rem / per; }

static void addRes(int32_t kind, int64_t capacity, int64_t per, int withSurge) {
  RES[nRes].kind = kind; RES[nRes].withSurge = withSurge; RES[nRes].k = plainMax(capacity, oPools * per);
  nRes++;
}

static inline int compare(double v, int op, double x) {
  switch (op) {
    case 0: return v >= x;
    case 1: return v <= x;
    case 2: return v > x;
    case 3: return v < x;
    case 4: return v == x;
    default: return v != x;
  }
}

typedef struct { int32_t metric, op; double x; } Cons;
static Cons CONS_OUTER[8], CONS_INNER[8];
static int nConsOuter, nConsInner;

static void splitConstraints(void) {
  nConsOuter = nConsInner = 0;
  int n = word(W_NCONS);
  for (int c = 0; c < n; c++) {
    int base = W_CONS + c * CONS_WORDS;
    int m = word(base);
    Cons *e = INNER[m] ? &CONS_INNER[nConsInner++] : &CONS_OUTER[nConsOuter++];
    e->metric = m;
    e->op = word(base + 1);
    memcpy(&e->x, cfgW + base + 2, 8);
  }
}

static int consOuter(void) {
  for (int c = 0; c < nConsOuter; c++)
    if (!compare((double)MET[CONS_OUTER[c].metric], CONS_OUTER[c].op, CONS_OUTER[c].x)) return 0;
  return 1;
}

static inline int64_t rowMetric(int m, int32_t autoscale, int32_t nodeCount, int64_t planned, int fits) {
  if (INNER[m] == 0) return MET[m];
  int64_t k = oPools;
  if (m == D_AUTOSCALE) return autoscale;
  if (m == D_NODES) return nodeCount;
  if (m == M_NODES) return k * planned;
  if (m == M_PODS) return k * planned * oMaxPods;
  if (m == M_FITS) return fits ? 1 : 0;
  int64_t surge = surgeOf(planned);
  int64_t ns = k * (planned + surge);
  return m == M_SURGE_NODES ? k * surge : m == M_NODE_REQ ? ns * oNodePer : ns * oPodPer;
}

static int consInner(int32_t autoscale, int32_t nodeCount, int64_t planned) {
  for (int c = 0; c < nConsInner; c++)
    if (!compare((double)rowMetric(CONS_INNER[c].metric, autoscale, nodeCount, planned, 1), CONS_INNER[c].op, CONS_INNER[c].x)) return 0;
  return 1;
}

static void outerPrefix(int32_t model, int32_t pools, int32_t nodeLen, int32_t podLen, int32_t serviceLen, int32_t maxPodsCode) {
  oModel = model;
  oPools = pools;
  oNodeLen = nodeLen;
  oPodLen = podLen;
  int64_t mp = maxPodsCode != 0 ? maxPodsCode : fact(F_DEFAULT_MAX_PODS + model);
  oMaxPods = mp;
  oNodePer = model == AZURE_CNI ? 1 + mp : 1;
  oPodKind = model == KUBENET || model == OVERLAY ? 1 : model == POD_SUBNET ? 2 : model == STATIC_BLOCK ? 3 : 0;
  int64_t size = fact(F_STATIC_SIZE);
  int64_t blocks = (mp + (int64_t)fact(F_STATIC_RESERVED) + size - 1) / size;
  int64_t batch = fact(F_DYNAMIC_BATCH);
  if (oPodKind == 1) oPodPer = pow2(32 - fact(F_NODE_POD_BLOCK_LEN));
  else if (oPodKind == 3) oPodPer = size * blocks;
  else if (oPodKind == 2) { int64_t b = (mp + batch - 1) / batch; oPodPer = batch * (b > 1 ? b : 1); }
  else oPodPer = 0;
  oNodeUsable = nodeLen > 0 ? usable(nodeLen) : 0;
  int64_t cap = 0;
  if (podLen > 0) {
    if (oPodKind == 1) cap = podLen <= fact(F_NODE_POD_BLOCK_LEN) ? pow2(32 - podLen) : 0;
    else if (oPodKind == 3) {
      int64_t b = podLen <= fact(F_STATIC_MAX_LEN) ? pow2(32 - podLen) / size - (int64_t)fact(F_STATIC_LOST) : 0;
      cap = (b > 0 ? b : 0) * size;
    } else if (oPodKind == 2) cap = usable(podLen);
  }
  oPodCap = cap;
  oVnet = (nodeLen > 0 ? pow2(32 - nodeLen) : 0) + (oPodKind >= 2 && podLen > 0 ? pow2(32 - podLen) : 0);
  oServiceOk = serviceLen == 0 || serviceLen >= fact(F_SERVICE_MIN_LEN);

  nRes = 0;
  if (nodeLen > 0) addRes(L_NODE_SUBNET, oNodeUsable, oNodePer, 1);
  if (podLen > 0 && oPodKind != 0) addRes(L_POD_RANGE, cap, oPodPer, 1);
  int64_t nodeLimit = fact(F_MODEL_LIMIT + model);
  int64_t cluster = fact(F_CLUSTER_LIMIT);
  if (model == KUBENET) {
    int64_t routes = fact(F_ROUTE_LIMIT);
    addRes(L_ROUTE_TABLE, nodeLimit < routes ? nodeLimit : routes, 1, 1);
  } else if (nodeLimit < cluster) addRes(L_MODEL_LIMIT, nodeLimit, 1, 0);
  addRes(L_CLUSTER_LIMIT, cluster, 1, 0);
  nPre = nRes;
  if (model == AZURE_CNI || model == POD_SUBNET || model == STATIC_BLOCK) {
    int64_t per = model == AZURE_CNI ? 1 + mp : model == STATIC_BLOCK ? 1 + blocks : 1 + oPodPer;
    addRes(L_VNET, fact(F_VNET_LIMIT), per, 1);
  }

  MET[D_MODEL] = model;
  MET[D_POOLS] = pools;
  MET[D_NODE_LEN] = nodeLen;
  MET[D_POD_LEN] = podLen;
  MET[D_SERVICE_LEN] = serviceLen;
  MET[D_MAX_PODS] = mp;
  MET[M_VNET] = oVnet;
  MET[M_SERVICES] = serviceLen > 0 ? pow2(32 - serviceLen) : 0;
}

static void outerSuffix(int32_t outbound, int32_t ips, int32_t ports, int32_t surge) {
  oSurgePct = (surge & SURGE_PERCENT) != 0;
  oSurgeV = surge & ~SURGE_PERCENT;
  int64_t minM = INT64_MAX;
  int32_t kind = -1;
  int64_t snat = outbound == 0 ? ports : 0;
  for (int i = 0; i < nRes; i++) {
    if (i == nPre && snat > 0) {
      int64_t m = underSurge(plainMax((int64_t)fact(F_LB_PORTS) * ips, oPools * snat), 1);
      if (m < minM) { minM = m; kind = L_SNAT; }
    }
    int64_t m = underSurge(RES[i].k, RES[i].withSurge);
    if (m < minM) { minM = m; kind = RES[i].kind; }
  }
  if (nPre == nRes && snat > 0) {
    int64_t m = underSurge(plainMax((int64_t)fact(F_LB_PORTS) * ips, oPools * snat), 1);
    if (m < minM) { minM = m; kind = L_SNAT; }
  }
  if (minM >= fPoolLimit) { oPoolMax = fPoolLimit; oLimit = L_POOL_LIMIT; }
  else { oPoolMax = minM; oLimit = kind; }
  oMaxNodes = oPools * oPoolMax;

  MET[D_OUTBOUND] = outbound;
  MET[D_IPS] = ips;
  MET[D_PORTS] = ports;
  MET[D_SURGE] = surge;
  MET[M_MAX_NODES] = oMaxNodes;
  MET[M_POD_CAPACITY] = oMaxNodes * oMaxPods;
  oConsOk = nConsOuter == 0 || consOuter();
}

static void markInner(void) {
  for (int m = 0; m < M_COUNT; m++) INNER[m] = m >= M_NODES || m == D_AUTOSCALE || m == D_NODES ? 1 : 0;
  INNER[M_VNET] = 0;
  INNER[M_SERVICES] = 0;
  INNER[M_MAX_NODES] = 0;
  INNER[M_POD_CAPACITY] = 0;
}

static void cacheFacts(void) {
  fReserved = fact(F_RESERVED);
  fSmallest = fact(F_SMALLEST_SUBNET_LEN);
  fPoolLimit = fact(F_POOL_LIMIT);
  markInner();
  splitConstraints();
}

static int32_t sFeasible;
static int64_t sBest, sBestIdx;

static inline int64_t objective(int64_t planned, int which);

static void feasibleRow(int32_t autoscale, int32_t nodeCount, int32_t planned, int which, int64_t index) {
  if (nConsInner != 0 && !consInner(autoscale, nodeCount, planned)) return;
  sFeasible++;
  int64_t o = objective(planned, which);
  if (o > sBest) { sBest = o; sBestIdx = index; }
}

/* Four rows at a time, as the kernel's SIMD loop (GCC vector extensions, SSE2 on x86-64). */
typedef int32_t v4si __attribute__((vector_size(16)));

static int32_t segment(const int32_t *p, int32_t n, int32_t autoscale, int32_t poolMax, int canPass, int which, int64_t index) {
  int32_t floor = autoscale > 0 ? autoscale : INT32_MIN;
  v4si vFloor = {floor, floor, floor, floor}, vMax = {poolMax, poolMax, poolMax, poolMax};
  int32_t fit = 0;
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v4si v;
    memcpy(&v, p + i, 16);
    v4si gt = v > vFloor;
    v4si planned = (v & gt) | (vFloor & ~gt);
    v4si ok = planned <= vMax;
    int mask = (ok[0] & 1) | (ok[1] & 2) | (ok[2] & 4) | (ok[3] & 8);
    if (mask == 0) continue;
    fit += __builtin_popcount(mask);
    if (!canPass) continue;
    while (mask != 0) {
      int j = __builtin_ctz(mask);
      mask &= mask - 1;
      int32_t nodeCount = p[i + j];
      feasibleRow(autoscale, nodeCount, nodeCount > floor ? nodeCount : floor, which, index + i + j);
    }
  }
  for (; i < n; i++) {
    int32_t nodeCount = p[i];
    int32_t planned = nodeCount > floor ? nodeCount : floor;
    if (planned <= poolMax) {
      fit++;
      if (canPass) feasibleRow(autoscale, nodeCount, planned, which, index + i);
    }
  }
  return fit;
}

static int hX, hY, hValue, hAgg, hOf, hNx, hNy;

static int32_t heatSegment(const int32_t *p, int32_t n, int32_t autoscale, int32_t dA, int32_t dN0, int canPass, int which, int64_t index, double *agg) {
  int32_t floor = autoscale > 0 ? autoscale : INT32_MIN;
  int32_t poolMax = (int32_t)oPoolMax;
  int canFit = oServiceOk;
  int value = hValue, aggKind = hAgg, ny = hNy;
  int ofBit = hOf == 0 ? 4 : hOf == 1 ? 1 : 2;
  int valueFixed = INNER[value] == 0;
  double fixedV = (double)MET[value];
  int xStep = hX == D_NODES ? 1 : 0, yStep = hY == D_NODES ? 1 : 0;
  int x0 = hX == D_NODES ? dN0 : hX == D_AUTOSCALE ? dA : DIGIT[hX];
  int y0 = hY == D_NODES ? dN0 : hY == D_AUTOSCALE ? dA : DIGIT[hY];
  double *cells = agg + A_HEAT + oModel * hNx * ny * 2;
  int32_t fit = 0;
  for (int32_t i = 0; i < n; i++) {
    int32_t nodeCount = p[i];
    int32_t planned = nodeCount > floor ? nodeCount : floor;
    int fits = planned <= poolMax && canFit;
    int flags = 4;
    if (fits) {
      fit++;
      flags = 5;
      if (canPass && (nConsInner == 0 || consInner(autoscale, nodeCount, planned))) {
        flags = 7;
        sFeasible++;
        int64_t o = objective(planned, which);
        if (o > sBest) { sBest = o; sBestIdx = index + i; }
      }
    }
    if (flags & ofBit) {
      double *cell = cells + ((x0 + xStep * i) * ny + y0 + yStep * i) * 2;
      double v = valueFixed ? fixedV : (double)rowMetric(value, autoscale, nodeCount, planned, fits);
      double cur = cell[0];
      if (aggKind == AGG_MAX) { if (v > cur) cell[0] = v; }
      else if (aggKind == AGG_MIN) { if (v < cur) cell[0] = v; }
      else cell[0] = cur + 1;
      cell[1] = cell[1] + 1;
    }
  }
  return fit;
}

static void heatCount(double *agg, int32_t dA, int32_t rows) {
  if (rows == 0) return;
  int x = hX == D_AUTOSCALE ? dA : DIGIT[hX];
  int y = hY == D_AUTOSCALE ? dA : DIGIT[hY];
  double *cell = agg + A_HEAT + ((oModel * hNx + x) * hNy + y) * 2;
  double v = (double)MET[hValue];
  double cur = cell[0];
  if (hAgg == AGG_MAX) { if (v > cur) cell[0] = v; }
  else if (hAgg == AGG_MIN) { if (v < cur) cell[0] = v; }
  else cell[0] = cur + (double)rows;
  cell[1] = cell[1] + (double)rows;
}

static inline int64_t objective(int64_t planned, int which) {
  switch (which) {
    case 0: return oPools * planned;
    case 1: return oPools * planned * oMaxPods;
    case 2: return oMaxNodes;
    default: return oMaxNodes * oMaxPods;
  }
}

static void outerAt(int level) {
  if (level <= D_MAX_PODS)
    outerPrefix(valueAt(D_MODEL, DIGIT[0]), valueAt(D_POOLS, DIGIT[1]), valueAt(D_NODE_LEN, DIGIT[2]), valueAt(D_POD_LEN, DIGIT[3]),
      valueAt(D_SERVICE_LEN, DIGIT[4]), valueAt(D_MAX_PODS, DIGIT[5]));
  outerSuffix(valueAt(D_OUTBOUND, DIGIT[6]), valueAt(D_IPS, DIGIT[7]), valueAt(D_PORTS, DIGIT[8]), valueAt(D_SURGE, DIGIT[9]));
}

/* swRun(cfg, start, count, 0, agg): rows [start, start + count) added to the aggregates. */
static int32_t swRun(double start, int32_t count, double *agg) {
  cacheFacts();
  int64_t rest = (int64_t)start;
  for (int d = NDIM - 1; d >= 0; d--) {
    int64_t n = word(W_COUNT + d);
    DIGIT[d] = (int32_t)(rest % n);
    rest /= n;
  }
  int heatOn = agg != 0 && word(W_HEAT_ON) != 0;
  int heatX = word(W_HEAT_X), heatY = word(W_HEAT_Y), heatValue = word(W_HEAT_VALUE), heatAgg = word(W_HEAT_AGG), heatOf = word(W_HEAT_OF);
  int nx = word(W_COUNT + heatX), ny = word(W_COUNT + heatY);
  hX = heatX; hY = heatY; hValue = heatValue; hAgg = heatAgg; hOf = heatOf; hNx = nx; hNy = ny;
  int heatByCount = heatX != D_NODES && heatY != D_NODES && INNER[heatValue] == 0;
  int which = word(W_OBJECTIVE);
  int nAuto = word(W_COUNT + D_AUTOSCALE), nNodes = word(W_COUNT + D_NODES);
  const int32_t *autoVals = vals[D_AUTOSCALE], *nodeVals = vals[D_NODES];
  int64_t first = (int64_t)start;
  int32_t done = 0;
  int level = 0;
  while (done < count) {
    outerAt(level);
    int model = oModel;
    int32_t runStart = done, fit = 0, feasible = 0;
    int64_t best = -1, bestIdx = -1;
    int32_t dA = DIGIT[D_AUTOSCALE];
    int32_t dN = DIGIT[D_NODES];
    {
      while (done < count) {
        int32_t m = nNodes - dN < count - done ? nNodes - dN : count - done;
        if (oServiceOk || heatOn) {
          int32_t autoscale = autoVals[dA];
          sFeasible = 0; sBest = best; sBestIdx = bestIdx;
          if (heatOn && !heatByCount) fit += heatSegment(nodeVals + dN, m, autoscale, dA, dN, oConsOk, which, first + done, agg);
          else {
            int32_t f = !oServiceOk ? 0 : segment(nodeVals + dN, m, autoscale, (int32_t)oPoolMax, oConsOk, which, first + done);
            fit += f;
            if (heatOn) heatCount(agg, dA, hOf == 0 ? m : hOf == 1 ? f : sFeasible);
          }
          feasible += sFeasible; best = sBest; bestIdx = sBestIdx;
        }
        done += m;
        dN += m;
        if (dN < nNodes) break;
        dN = 0;
        if (++dA < nAuto) continue;
        dA = 0;
        break;
      }
    }
    DIGIT[D_AUTOSCALE] = dA;
    DIGIT[D_NODES] = dN;
    double *c = agg + A_COUNTS + model * 3;
    c[0] += (double)(done - runStart);
    c[1] += (double)fit;
    c[2] += (double)feasible;
    if (best >= 0 && !(oPodKind >= 2 && oPodLen == 0)) {
      double *b = agg + A_FRONT + ((model * LENS + oNodeLen) * LENS + (oPodKind >= 2 ? oPodLen : 0)) * 2;
      double fb = (double)best, fi = (double)bestIdx;
      if (fb > b[0] || (fb == b[0] && fi < b[1])) { b[0] = fb; b[1] = fi; }
    }
    if (dA != 0 || dN != 0) break;
    level = 0;
    for (int d = D_SURGE; d >= 0; d--) {
      int32_t v = DIGIT[d] + 1;
      if (v < word(W_COUNT + d)) { DIGIT[d] = v; level = d; break; }
      DIGIT[d] = 0;
    }
  }
  return done;
}

static void printNumber(double v) {
  if (isinf(v)) puts(v > 0 ? "Infinity" : "-Infinity");
  else printf("%.17g\n", v);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s CONFIG.bin START COUNT [heat]\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 2; }
  fseek(f, 0, SEEK_END);
  long bytes = ftell(f);
  fseek(f, 0, SEEK_SET);
  int32_t *block = malloc((size_t)bytes + 8);
  if (!block || fread(block, 1, (size_t)bytes, f) != (size_t)bytes) { fprintf(stderr, "cannot read %s\n", argv[1]); return 2; }
  fclose(f);
  if (bytes < CFG_WORDS * 4) { fprintf(stderr, "%s: not a sweep config block\n", argv[1]); return 2; }
  cfgW = block;
  for (int d = 0; d < NDIM; d++) vals[d] = (const int32_t *)((const char *)block + block[W_VALUES + d]);
  block[W_HEAT_ON] = argc > 4 && strcmp(argv[4], "heat") == 0;
  double start = strtod(argv[2], 0);
  double total = strtod(argv[3], 0);

  /* The aggregates, initialised as resetAggregates() in aggregate.ts does. */
  int nx = block[W_COUNT + block[W_HEAT_X]], ny = block[W_COUNT + block[W_HEAT_Y]];
  size_t aggLen = A_HEAT + (size_t)MODELS * nx * ny * 2;
  double *agg = calloc(aggLen, sizeof(double));
  for (int i = A_FRONT; i < A_HEAT; i++) agg[i] = -1;
  double init = block[W_HEAT_AGG] == AGG_MAX ? -INFINITY : block[W_HEAT_AGG] == AGG_MIN ? INFINITY : 0;
  for (size_t i = A_HEAT; i < aggLen; i += 2) agg[i] = init;

  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  double done = 0;
  /* As SweepKernel.aggregate(): calls of at most 2^30 rows. */
  while (done < total) {
    double n = total - done < (double)(1 << 30) ? total - done : (double)(1 << 30);
    swRun(start + done, (int32_t)n, agg);
    done += n;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long long ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
  printf("rows %.0f\nkernel_ns %lld\n", done, ns);
  for (size_t i = 0; i < aggLen; i++) printNumber(agg[i]);
  return 0;
}
