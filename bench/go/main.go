// Command gomap-bench-go is the Go side of `gomap bench`: it times Go's own
// map, the map behind sync.Mutex and sync.RWMutex, sync.Map, and a map owned
// by one goroutine that serves requests over channels, on the workloads of
// BENCH.md.
//
// It is a child of the C driver (bench/child.c): the driver spells out one
// cell on the command line and this program prints one CSV row in the
// driver's format. Keys, streams, Zipf and shuffles are generated exactly as
// bench/gen.c generates them (key64, splitmix64 per thread seeded with
// seed*1000003+t, mulhi for uniform indices, YCSB's Zipfian), so both sides
// time the same operations. Timing follows b.RunParallel's convention: the
// wall time of the timed phase divided by the operations of all goroutines.
//
// Counting cells (--kind count) increment each key's count with each map's
// natural atomic update: m[k]++ (under the Mutex, or the RWMutex's write
// lock; by the owner goroutine for go-chan), and for sync.Map a Load, a
// LoadOrStore of a new *int64 when absent, then atomic.AddInt64. After
// each run the counts must sum to the number of increments, or the cell
// fails (an error row, exit status 1), as in the C driver.
package main

import (
	"flag"
	"fmt"
	"math"
	"math/bits"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	_ "unsafe" // go:linkname
)

//go:linkname nanotime runtime.nanotime
func nanotime() int64

// ---- generators (mirror bench/gen.c) ----

func key64(i, seed uint64) uint64 {
	z := i*0x9E3779B97F4A7C15 + seed
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

type rng struct{ s uint64 }

func newRng(seed uint64, thread int) rng { return rng{seed*1000003 + uint64(thread)} }

func (r *rng) next() uint64 {
	r.s += 0x9E3779B97F4A7C15
	z := r.s
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func mulhi(draw, n uint64) uint64 {
	hi, _ := bits.Mul64(draw, n)
	return hi
}

type zipf struct {
	n                              uint64
	theta, alpha, zetan, eta, thr1 float64
}

func newZipf(n uint64, theta float64) *zipf {
	zetan := 0.0
	for i := uint64(1); i <= n; i++ {
		zetan += 1.0 / math.Pow(float64(i), theta)
	}
	zeta2 := 1.0 + 1.0/math.Pow(2.0, theta)
	return &zipf{
		n: n, theta: theta, alpha: 1.0 / (1.0 - theta), zetan: zetan,
		eta:  (1.0 - math.Pow(2.0/float64(n), 1.0-theta)) / (1.0 - zeta2/zetan),
		thr1: 1.0 + math.Pow(0.5, theta),
	}
}

func (z *zipf) rank(draw uint64) uint64 {
	u := float64(draw>>11) * (1.0 / (1 << 53))
	uz := u * z.zetan
	if uz < 1.0 {
		return 0
	}
	if uz < z.thr1 {
		if z.n > 1 {
			return 1
		}
		return 0
	}
	r := uint64(float64(z.n) * math.Pow(z.eta*u-z.eta+1.0, z.alpha))
	if r >= z.n {
		r = z.n - 1
	}
	return r
}

// ---- maps ----

const (
	opLoad = iota
	opStore
	opDelete
	opInc // counting: m[k]++, atomically
)

// client is one goroutine's handle on a map (go-chan gives each its own
// reply channel; the others share the map).
type client[K comparable] interface {
	load(k K) (uint64, bool)
	store(k K, v uint64)
	del(k K)
	inc(k K)
}

type bmap[K comparable] interface {
	client(t int) client[K]
	iterate(keySum func(K) uint64) uint64
	sum() uint64 // all counts added up, with no other goroutine running
	close()
}

// go-map: the built-in map, one goroutine only.
type plainMap[K comparable] struct{ m map[K]uint64 }

func (p *plainMap[K]) client(int) client[K] { return p }
func (p *plainMap[K]) load(k K) (uint64, bool) {
	v, ok := p.m[k]
	return v, ok
}
func (p *plainMap[K]) store(k K, v uint64) { p.m[k] = v }
func (p *plainMap[K]) del(k K)             { delete(p.m, k) }
func (p *plainMap[K]) inc(k K)             { p.m[k]++ }
func (p *plainMap[K]) sum() uint64         { return sumValues(p.m) }
func (p *plainMap[K]) iterate(ks func(K) uint64) uint64 {
	s := uint64(0)
	for k, v := range p.m {
		s += ks(k) ^ v
	}
	return s
}
func (p *plainMap[K]) close() {}

func sumValues[K comparable](m map[K]uint64) uint64 {
	s := uint64(0)
	for _, v := range m {
		s += v
	}
	return s
}

type mutexMap[K comparable] struct {
	mu sync.Mutex
	m  map[K]uint64
}

func (p *mutexMap[K]) client(int) client[K] { return p }
func (p *mutexMap[K]) load(k K) (uint64, bool) {
	p.mu.Lock()
	v, ok := p.m[k]
	p.mu.Unlock()
	return v, ok
}
func (p *mutexMap[K]) store(k K, v uint64) {
	p.mu.Lock()
	p.m[k] = v
	p.mu.Unlock()
}
func (p *mutexMap[K]) del(k K) {
	p.mu.Lock()
	delete(p.m, k)
	p.mu.Unlock()
}
func (p *mutexMap[K]) inc(k K) {
	p.mu.Lock()
	p.m[k]++
	p.mu.Unlock()
}
func (p *mutexMap[K]) sum() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return sumValues(p.m)
}
func (p *mutexMap[K]) iterate(ks func(K) uint64) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := uint64(0)
	for k, v := range p.m {
		s += ks(k) ^ v
	}
	return s
}
func (p *mutexMap[K]) close() {}

type rwMap[K comparable] struct {
	mu sync.RWMutex
	m  map[K]uint64
}

func (p *rwMap[K]) client(int) client[K] { return p }
func (p *rwMap[K]) load(k K) (uint64, bool) {
	p.mu.RLock()
	v, ok := p.m[k]
	p.mu.RUnlock()
	return v, ok
}
func (p *rwMap[K]) store(k K, v uint64) {
	p.mu.Lock()
	p.m[k] = v
	p.mu.Unlock()
}
func (p *rwMap[K]) del(k K) {
	p.mu.Lock()
	delete(p.m, k)
	p.mu.Unlock()
}
func (p *rwMap[K]) inc(k K) {
	p.mu.Lock()
	p.m[k]++
	p.mu.Unlock()
}
func (p *rwMap[K]) sum() uint64 {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return sumValues(p.m)
}
func (p *rwMap[K]) iterate(ks func(K) uint64) uint64 {
	p.mu.RLock()
	defer p.mu.RUnlock()
	s := uint64(0)
	for k, v := range p.m {
		s += ks(k) ^ v
	}
	return s
}
func (p *rwMap[K]) close() {}

// go-syncmap: values are boxed in interfaces, as sync.Map requires. A
// counting map holds *int64 counters instead (the documented idiom: the
// pointer is stored once, increments are atomic adds through it).
type syncMap[K comparable] struct{ m sync.Map }

func (p *syncMap[K]) client(int) client[K] { return p }
func (p *syncMap[K]) load(k K) (uint64, bool) {
	v, ok := p.m.Load(k)
	if !ok {
		return 0, false
	}
	return v.(uint64), true
}
func (p *syncMap[K]) store(k K, v uint64) { p.m.Store(k, v) }
func (p *syncMap[K]) del(k K)             { p.m.Delete(k) }
func (p *syncMap[K]) inc(k K) {
	c, ok := p.m.Load(k)
	if !ok {
		// Only a miss allocates; the loser of a race adds to the winner's.
		c, _ = p.m.LoadOrStore(k, new(int64))
	}
	atomic.AddInt64(c.(*int64), 1)
}
func (p *syncMap[K]) sum() uint64 {
	s := uint64(0)
	p.m.Range(func(_, v any) bool {
		switch x := v.(type) {
		case *int64:
			s += uint64(atomic.LoadInt64(x))
		case uint64:
			s += x
		}
		return true
	})
	return s
}
func (p *syncMap[K]) iterate(ks func(K) uint64) uint64 {
	s := uint64(0)
	p.m.Range(func(k, v any) bool {
		s += ks(k.(K)) ^ v.(uint64)
		return true
	})
	return s
}
func (p *syncMap[K]) close() {}

// go-chan: one goroutine owns the map; every operation is a request with a
// reply, so an operation has happened when its call returns.
type request[K comparable] struct {
	op    int
	k     K
	v     uint64
	ks    func(K) uint64
	reply chan reply
}

type reply struct {
	v  uint64
	ok bool
}

// go-chan's requests besides the ops: iterate (-1) and sum.
const opSum = -2

type chanMap[K comparable] struct {
	req  chan request[K]
	done chan struct{}
}

type chanClient[K comparable] struct {
	req   chan request[K]
	reply chan reply
}

func newChanMap[K comparable]() *chanMap[K] {
	c := &chanMap[K]{req: make(chan request[K]), done: make(chan struct{})}
	go func() {
		m := make(map[K]uint64)
		for r := range c.req {
			switch r.op {
			case opLoad:
				v, ok := m[r.k]
				r.reply <- reply{v, ok}
			case opStore:
				m[r.k] = r.v
				r.reply <- reply{}
			case opDelete:
				delete(m, r.k)
				r.reply <- reply{}
			case opInc:
				m[r.k]++
				r.reply <- reply{}
			case opSum:
				r.reply <- reply{v: sumValues(m)}
			default:
				s := uint64(0)
				for k, v := range m {
					s += r.ks(k) ^ v
				}
				r.reply <- reply{v: s}
			}
		}
		close(c.done)
	}()
	return c
}

func (c *chanMap[K]) client(int) client[K] {
	return &chanClient[K]{req: c.req, reply: make(chan reply, 1)}
}
func (c *chanClient[K]) load(k K) (uint64, bool) {
	c.req <- request[K]{op: opLoad, k: k, reply: c.reply}
	r := <-c.reply
	return r.v, r.ok
}
func (c *chanClient[K]) store(k K, v uint64) {
	c.req <- request[K]{op: opStore, k: k, v: v, reply: c.reply}
	<-c.reply
}
func (c *chanClient[K]) del(k K) {
	c.req <- request[K]{op: opDelete, k: k, reply: c.reply}
	<-c.reply
}
func (c *chanClient[K]) inc(k K) {
	c.req <- request[K]{op: opInc, k: k, reply: c.reply}
	<-c.reply
}
func (c *chanMap[K]) sum() uint64 {
	r := make(chan reply, 1)
	c.req <- request[K]{op: opSum, reply: r}
	return (<-r).v
}
func (c *chanMap[K]) iterate(ks func(K) uint64) uint64 {
	r := make(chan reply, 1)
	c.req <- request[K]{op: -1, ks: ks, reply: r}
	return (<-r).v
}
func (c *chanMap[K]) close() {
	close(c.req)
	<-c.done
}

func newMap[K comparable](impl string) bmap[K] {
	switch impl {
	case "go-map":
		return &plainMap[K]{m: make(map[K]uint64)}
	case "go-map-mutex":
		return &mutexMap[K]{m: make(map[K]uint64)}
	case "go-map-rwmutex":
		return &rwMap[K]{m: make(map[K]uint64)}
	case "go-syncmap":
		return &syncMap[K]{}
	case "go-chan":
		return newChanMap[K]()
	}
	return nil
}

// ---- cells ----

type cell struct {
	impl, workload, kind, keys string
	K, ops, seed               uint64
	threads, prefill, reps     int
	mix                        [3]int
	zipf, pin, quick           bool
	minTime                    float64
}

type stream[K comparable] struct {
	op  []uint8
	key []K
}

type result struct {
	median, min, max, mops float64
	ops                    uint64
	notes                  []string
}

func keyTable[K comparable](n, seed uint64, mk func(uint64) K) []K {
	t := make([]K, n)
	for i := range t {
		t[i] = mk(uint64(i))
	}
	return t
}

func seqStream[K comparable](tab []K, first, n uint64, op uint8, shuffled bool, seed uint64) stream[K] {
	s := stream[K]{op: make([]uint8, n), key: make([]K, n)}
	for i := uint64(0); i < n; i++ {
		s.op[i] = op
		s.key[i] = tab[first+i]
	}
	if shuffled && n > 1 {
		r := newRng(seed, 0)
		for i := n - 1; i > 0; i-- {
			j := mulhi(r.next(), i+1)
			s.key[i], s.key[j] = s.key[j], s.key[i]
		}
	}
	return s
}

func mixStream[K comparable](tab []K, c *cell, n uint64, z *zipf, t int) stream[K] {
	s := stream[K]{op: make([]uint8, n), key: make([]K, n)}
	r := newRng(c.seed, t)
	loadBelow := uint64(c.mix[0])
	storeBelow := uint64(c.mix[0] + c.mix[1])
	count := c.kind == "count"
	for i := uint64(0); i < n; i++ {
		pick := r.next() % 100
		switch {
		case count:
			s.op[i] = opInc // the draw is made all the same (bench/gen.c)
		case pick < loadBelow:
			s.op[i] = opLoad
		case pick < storeBelow:
			s.op[i] = opStore
		default:
			s.op[i] = opDelete
		}
		d := r.next()
		var idx uint64
		if z != nil {
			idx = z.rank(d)
		} else {
			idx = mulhi(d, c.K)
		}
		s.key[i] = tab[idx]
	}
	return s
}

var sink uint64

func runStream[K comparable](cl client[K], s *stream[K]) uint64 {
	sum := uint64(0)
	for i := range s.op {
		switch s.op[i] {
		case opLoad:
			if v, ok := cl.load(s.key[i]); ok {
				sum += v
			}
		case opStore:
			cl.store(s.key[i], uint64(i))
		case opInc:
			cl.inc(s.key[i])
		default:
			cl.del(s.key[i])
		}
	}
	return sum
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func minMax(v []float64) (float64, float64) {
	mn, mx := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		mn = math.Min(mn, x)
		mx = math.Max(mx, x)
	}
	return mn, mx
}

const maxRuns = 100000

func runTimed[K comparable](c *cell, tab []K, ks func(K) uint64) (result, error) {
	var res result
	T := 1
	if c.kind == "mix" || c.kind == "count" {
		T = c.threads
	}
	var streams []stream[K]
	prefill := uint64(0)
	iterate := false
	nk := c.K
	switch c.kind {
	case "mix", "count":
		if c.kind == "mix" {
			prefill = nk * uint64(c.prefill) / 100
		}
		var z *zipf
		if c.zipf {
			z = newZipf(nk, 0.99)
		}
		for t := 0; t < T; t++ {
			n := c.ops / uint64(T)
			if uint64(t) < c.ops%uint64(T) {
				n++
			}
			streams = append(streams, mixStream(tab, c, n, z, t))
		}
	case "st-insert":
		streams = append(streams, seqStream(tab, 0, nk, opStore, false, c.seed))
	case "st-hit":
		prefill = nk
		streams = append(streams, seqStream(tab, 0, nk, opLoad, true, c.seed))
	case "st-miss":
		prefill = nk
		streams = append(streams, seqStream(tab, nk, nk, opLoad, false, c.seed))
	case "st-delete":
		prefill = nk
		streams = append(streams, seqStream(tab, 0, nk, opDelete, true, c.seed))
	case "st-iter":
		prefill = nk
		iterate = true
	default:
		return res, fmt.Errorf("unknown kind %s", c.kind)
	}
	ops := c.ops
	if c.kind != "mix" && c.kind != "count" {
		ops = nk
	}
	res.ops = ops

	var lost error // the lost-increment check of a counting run
	oneRun := func() int64 {
		m := newMap[K](c.impl)
		main := m.client(0)
		for i := uint64(0); i < prefill; i++ {
			main.store(tab[i], i)
		}
		// Runs with a big heap start from a fresh collector state, so
		// a run does not pay for the garbage of the one before; small
		// runs (repeated thousands of times) skip it, the collection
		// would cost more than the run.
		if prefill+ops >= 1<<16 {
			runtime.GC()
		}
		var wall int64
		switch {
		case iterate:
			t0 := nanotime()
			sink += m.iterate(ks)
			wall = nanotime() - t0
		case T == 1:
			t0 := nanotime()
			sink += runStream(main, &streams[0])
			wall = nanotime() - t0
		default:
			var ready, done sync.WaitGroup
			start := make(chan struct{})
			t0s := make([]int64, T)
			t1s := make([]int64, T)
			sums := make([]uint64, T)
			ready.Add(T)
			done.Add(T)
			for t := 0; t < T; t++ {
				go func(t int) {
					cl := m.client(t)
					ready.Done()
					<-start
					t0s[t] = nanotime()
					sums[t] = runStream(cl, &streams[t])
					t1s[t] = nanotime()
					done.Done()
				}(t)
			}
			ready.Wait()
			close(start)
			done.Wait()
			lo, hi := t0s[0], t1s[0]
			for t := 0; t < T; t++ {
				if t0s[t] < lo {
					lo = t0s[t]
				}
				if t1s[t] > hi {
					hi = t1s[t]
				}
				sink += sums[t]
			}
			wall = hi - lo
		}
		if c.kind == "count" && lost == nil {
			if s := m.sum(); s != ops {
				lost = fmt.Errorf("lost increments: counts sum to %d after %d increments", s, ops)
			}
		}
		m.close()
		if wall < 1 {
			wall = 1
		}
		return wall
	}

	oneRun() // warm-up
	var samples []float64
	total := 0.0
	for lost == nil && (len(samples) < c.reps || total < c.minTime) && len(samples) < maxRuns {
		w := oneRun()
		samples = append(samples, float64(w)/float64(ops))
		total += float64(w) * 1e-9
	}
	if lost != nil {
		return res, lost
	}
	res.median = median(samples)
	res.min, res.max = minMax(samples)
	res.mops = 1000.0 / res.median
	res.notes = append(res.notes, fmt.Sprintf("reps=%d", len(samples)))
	return res, nil
}

// Nearest rank, as bench/measure.c.
func pct(sorted []int64, q float64) int64 {
	n := len(sorted)
	r := math.Ceil(q * float64(n))
	i := 0
	if r >= 1 {
		i = int(r) - 1
	}
	if i >= n {
		i = n - 1
	}
	return sorted[i]
}

func runGrow(c *cell) (result, error) {
	var res result
	n := int(c.K)
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = key64(uint64(i), c.seed)
	}
	lat := make([]int64, n)
	over := make([]int64, 1000)
	for i := range over {
		a := nanotime()
		over[i] = nanotime() - a
	}
	sort.Slice(over, func(i, j int) bool { return over[i] < over[j] })
	step := int64(math.MaxInt64)
	for i := 0; i < 200; i++ {
		a := nanotime()
		b := nanotime()
		for b == a {
			b = nanotime()
		}
		if b-a < step {
			step = b - a
		}
	}
	qs := []float64{0.50, 0.90, 0.99, 0.999, 0.9999, 0.99999, 1.0}
	names := []string{"p50", "p90", "p99", "p99.9", "p99.99", "p99.999", "max"}
	per := make([][]float64, len(qs))
	total := 0.0
	worst := int64(0)
	for run := 0; ; run++ {
		warm := run == 0
		if !warm && len(per[0]) >= c.reps && total >= c.minTime {
			break
		}
		if len(per[0]) >= maxRuns {
			break
		}
		m := newMap[uint64](c.impl)
		cl := m.client(0)
		runtime.GC()
		sum := int64(0)
		for i := 0; i < n; i++ {
			a := nanotime()
			cl.store(keys[i], uint64(i))
			d := nanotime() - a
			lat[i] = d
			sum += d
		}
		m.close()
		if warm {
			continue
		}
		total += float64(sum) * 1e-9
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		for j, q := range qs {
			per[j] = append(per[j], float64(pct(lat, q)))
		}
		if lat[n-1] > worst {
			worst = lat[n-1]
		}
	}
	res.ops = uint64(n)
	res.median = median(per[0])
	res.min, res.max = minMax(per[0])
	res.mops = math.NaN()
	for j := 1; j < len(qs); j++ {
		res.notes = append(res.notes, fmt.Sprintf("%s=%.1f", names[j], median(per[j])))
	}
	res.notes = append(res.notes, fmt.Sprintf("worst_max=%.1f", float64(worst)),
		"timer=nanotime", fmt.Sprintf("timer_ns=%.1f", float64(over[500])),
		fmt.Sprintf("timer_res_ns=%.1f", float64(step)),
		fmt.Sprintf("reps=%d", len(per[0])))
	return res, nil
}

func heapAlloc() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func runMemory(c *cell) (result, error) {
	var res result
	var bpe []float64
	for run := 0; ; run++ {
		warm := run == 0
		if !warm && len(bpe) >= c.reps {
			break
		}
		before := heapAlloc()
		m := newMap[uint64](c.impl)
		cl := m.client(0)
		for i := uint64(0); i < c.K; i++ {
			cl.store(key64(i, c.seed), i)
		}
		after := heapAlloc()
		runtime.KeepAlive(m)
		m.close()
		if !warm {
			bpe = append(bpe, (float64(after)-float64(before))/float64(c.K))
		}
	}
	res.ops = c.K
	res.median, res.min, res.max, res.mops = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	med := median(bpe)
	mn, mx := minMax(bpe)
	res.notes = append(res.notes, fmt.Sprintf("bytes_per_entry=%.2f", med))
	if mx-mn > 0.005 {
		res.notes = append(res.notes, fmt.Sprintf("bpe_min=%.2f;bpe_max=%.2f", mn, mx))
	}
	res.notes = append(res.notes, "heap=runtime.MemStats.HeapAlloc", fmt.Sprintf("reps=%d", len(bpe)))
	return res, nil
}

func num(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return fmt.Sprintf("%.3f", v)
}

func hexKey(i, seed uint64) string { return fmt.Sprintf("%016x", key64(i, seed)) }

func main() {
	var c cell
	var version, isCell bool
	var mix, dist string
	flag.BoolVar(&version, "version", false, "print the Go version")
	flag.BoolVar(&isCell, "cell", false, "run one cell")
	flag.StringVar(&c.impl, "impl", "", "")
	flag.StringVar(&c.workload, "workload", "", "")
	flag.StringVar(&c.kind, "kind", "", "")
	flag.StringVar(&c.keys, "keys", "u64", "")
	flag.Uint64Var(&c.K, "K", 0, "")
	flag.IntVar(&c.threads, "threads", 1, "")
	flag.Uint64Var(&c.ops, "ops", 0, "")
	flag.IntVar(&c.prefill, "prefill", 0, "")
	flag.StringVar(&mix, "mix", "0,0,0", "")
	flag.StringVar(&dist, "dist", "uniform", "")
	flag.IntVar(&c.reps, "reps", 5, "")
	flag.Float64Var(&c.minTime, "min-time", 0.2, "")
	flag.Uint64Var(&c.seed, "seed", 1, "")
	flag.BoolVar(&c.pin, "pin", false, "")
	flag.BoolVar(&c.quick, "quick", false, "")
	flag.Parse()
	if version {
		fmt.Println(runtime.Version())
		return
	}
	if _, err := fmt.Sscanf(mix, "%d,%d,%d", &c.mix[0], &c.mix[1], &c.mix[2]); err != nil {
		fmt.Fprintf(os.Stderr, "bad -mix %q\n", mix)
		os.Exit(2)
	}
	c.zipf = dist == "zipf"
	if !isCell || c.K == 0 || c.reps < 1 || c.threads < 1 || newMap[uint64](c.impl) == nil {
		fmt.Fprintln(os.Stderr, "gomap-bench-go: a benchmark child; run `gomap bench` instead")
		os.Exit(2)
	}
	var res result
	var err error
	switch {
	case c.kind == "grow-latency":
		res, err = runGrow(&c)
	case c.kind == "memory":
		res, err = runMemory(&c)
	case c.keys == "str":
		n := c.K
		if c.kind == "st-miss" {
			n = 2 * c.K
		}
		tab := keyTable(n, c.seed, func(i uint64) string { return hexKey(i, c.seed) })
		res, err = runTimed(&c, tab, func(k string) uint64 { return uint64(k[0]) })
	default:
		n := c.K
		if c.kind == "st-miss" {
			n = 2 * c.K
		}
		tab := keyTable(n, c.seed, func(i uint64) uint64 { return key64(i, c.seed) })
		res, err = runTimed(&c, tab, func(k uint64) uint64 { return k })
	}
	if err != nil {
		// A row all the same, so the driver's CSV says why the cell failed.
		fmt.Fprintln(os.Stderr, "gomap-bench-go:", err)
		notes := strings.NewReplacer(",", " ", "\n", " ").Replace("error=" + err.Error())
		fmt.Printf("%s,%s,%s,%d,%d,%d,,,,,%s\n", c.impl, c.workload, c.keys, c.K,
			c.threads, c.ops, notes)
		os.Exit(1)
	}
	if c.pin {
		res.notes = append(res.notes, "pin ignored (goroutines)")
	}
	if c.quick {
		res.notes = append(res.notes, "quick")
	}
	res.notes = append(res.notes, fmt.Sprintf("GOMAXPROCS=%d", runtime.GOMAXPROCS(0)))
	notes := strings.ReplaceAll(strings.Join(res.notes, ";"), ",", " ")
	fmt.Printf("%s,%s,%s,%d,%d,%d,%s,%s,%s,%s,%s\n", c.impl, c.workload, c.keys, c.K,
		c.threads, res.ops, num(res.median), num(res.min), num(res.max), num(res.mops), notes)
}
