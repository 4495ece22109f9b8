# gnuplot script written by `gomap bench`; run: gnuplot docs/results/single.gp
set terminal svg size 1600,1470 noenhanced font "sans,10" background rgb "white"
set output "docs/results/single.svg"
set datafile missing "?"
set grid ytics
set linetype 1 lc rgb "#4477aa" lw 1.5 pt 1 dt 1
set linetype 2 lc rgb "#ee6677" lw 1.5 pt 2 dt 1
set linetype 3 lc rgb "#228833" lw 1.5 pt 3 dt 1
set linetype 4 lc rgb "#ccbb44" lw 1.5 pt 4 dt 1
set linetype 5 lc rgb "#66ccee" lw 1.5 pt 5 dt 1
set linetype 6 lc rgb "#aa3377" lw 1.5 pt 6 dt 1
set linetype 7 lc rgb "#bbbbbb" lw 1.5 pt 7 dt 1
set linetype 8 lc rgb "#000000" lw 1.5 pt 8 dt 1
set linetype 9 lc rgb "#e69f00" lw 1.5 pt 9 dt 1
set linetype 10 lc rgb "#56b4e9" lw 1.5 pt 10 dt 1
set linetype 11 lc rgb "#009e73" lw 1.5 pt 11 dt 1
set linetype 12 lc rgb "#f0e442" lw 1.5 pt 12 dt 1
set linetype 13 lc rgb "#0072b2" lw 1.5 pt 13 dt 1
set linetype 14 lc rgb "#d55e00" lw 1.5 pt 1 dt 1
set linetype 15 lc rgb "#cc79a7" lw 1.5 pt 2 dt 1
set linetype 16 lc rgb "#882255" lw 1.5 pt 3 dt 1
set linetype 17 lc rgb "#4477aa" lw 1.5 pt 4 dt 2
set linetype 18 lc rgb "#ee6677" lw 1.5 pt 5 dt 2
set linetype 19 lc rgb "#228833" lw 1.5 pt 6 dt 2
set linetype 20 lc rgb "#ccbb44" lw 1.5 pt 7 dt 2
set linetype 21 lc rgb "#66ccee" lw 1.5 pt 8 dt 2
set linetype 22 lc rgb "#aa3377" lw 1.5 pt 9 dt 2
set linetype 23 lc rgb "#bbbbbb" lw 1.5 pt 10 dt 2
set linetype 24 lc rgb "#000000" lw 1.5 pt 11 dt 2
set linetype 25 lc rgb "#e69f00" lw 1.5 pt 12 dt 2
set linetype 26 lc rgb "#56b4e9" lw 1.5 pt 13 dt 2
set linetype 27 lc rgb "#009e73" lw 1.5 pt 1 dt 2
set linetype 28 lc rgb "#f0e442" lw 1.5 pt 2 dt 2
set linetype 29 lc rgb "#0072b2" lw 1.5 pt 3 dt 2
set linetype 30 lc rgb "#d55e00" lw 1.5 pt 4 dt 2
set linetype 31 lc rgb "#cc79a7" lw 1.5 pt 5 dt 2
set linetype 32 lc rgb "#882255" lw 1.5 pt 6 dt 2
set multiplot layout 3,2 title "gomap bench  |  AMD EPYC, 2 CPUs  |  GNU 12.2.0 -O3 -DNDEBUG  |  2026-11-26" font ",11"

# ---- st-insert
$w0 << EOD
"x" "map" "absl-flat" "glib" "go-map" "map-nochecks" "map-notrace"
"u64 2^20" 142.4980 86.8800 128.4800 190.4310 113.4480 112.9950
"str 2^20" 289.4970 479.8610 240.9180 338.2000 275.7020 287.4290
EOD
set title "st-insert: ns/op, single thread (lower is better)"
unset logscale
set logscale y
set yrange [*:*]
set xlabel ""
set ylabel "ns/op"
set key outside right top
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
plot for [i=2:7] $w0 using i:xtic(1) lt (i-1) title columnheader(i)

# ---- st-hit
$w1 << EOD
"x" "map" "absl-flat" "glib" "go-map" "map-nochecks" "map-notrace"
"u64 2^20" 66.6230 39.4310 77.9750 90.1560 62.3940 61.9450
"str 2^20" 295.3790 242.0780 308.1530 157.7620 311.5610 237.2040
EOD
set title "st-hit: ns/op, single thread (lower is better)"
unset logscale
set logscale y
set yrange [*:*]
set xlabel ""
set ylabel "ns/op"
set key outside right top
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
plot for [i=2:7] $w1 using i:xtic(1) lt (i-1) title columnheader(i)

# ---- st-miss
$w2 << EOD
"x" "map" "absl-flat" "glib" "go-map" "map-nochecks" "map-notrace"
"u64 2^20" 23.3290 13.7220 50.0950 99.7920 26.0190 26.2080
"str 2^20" 52.7750 40.3410 91.5170 128.1160 41.9900 39.1730
EOD
set title "st-miss: ns/op, single thread (lower is better)"
unset logscale
set logscale y
set yrange [*:*]
set xlabel ""
set ylabel "ns/op"
set key outside right top
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
plot for [i=2:7] $w2 using i:xtic(1) lt (i-1) title columnheader(i)

# ---- st-delete
$w3 << EOD
"x" "map" "absl-flat" "glib" "go-map" "map-nochecks" "map-notrace"
"u64 2^20" 65.8430 52.8250 98.3970 128.9940 71.1970 73.5600
"str 2^20" 442.5830 474.3810 573.8280 214.8940 426.4060 421.4130
EOD
set title "st-delete: ns/op, single thread (lower is better)"
unset logscale
set logscale y
set yrange [*:*]
set xlabel ""
set ylabel "ns/op"
set key outside right top
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
plot for [i=2:7] $w3 using i:xtic(1) lt (i-1) title columnheader(i)

# ---- st-iter
$w4 << EOD
"x" "map" "absl-flat" "glib" "go-map" "map-nochecks" "map-notrace"
"u64 2^20" 8.7000 4.6340 12.1960 11.9950 8.5000 8.8770
"str 2^20" 59.5280 13.5210 38.9460 64.7440 59.9760 59.7500
EOD
set title "st-iter: ns/op, single thread (lower is better)"
unset logscale
set logscale y
set yrange [*:*]
set xlabel ""
set ylabel "ns/op"
set key outside right top
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
plot for [i=2:7] $w4 using i:xtic(1) lt (i-1) title columnheader(i)
unset multiplot
