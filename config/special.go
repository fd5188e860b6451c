package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

var saveSpecial = &special{set: setSave, rewrite: rewriteSave}

// setSave parses "save <seconds> <changes> ...". While a file is read the
// lines add up, replacing the default only once; `save ""` clears them.
func setSave(args []string, cur value, st *state) (value, string) {
	const bad = "Invalid save parameters"
	if len(args) == 1 && args[0] == "" {
		cur, args = value{}, nil
	}
	if len(args)%2 != 0 {
		return value{}, bad
	}
	nums := make([]int64, len(args))
	for j, a := range args {
		n, ok := parseCInt(a)
		if !ok || (j%2 == 0 && n < 1) || (j%2 == 1 && n < 0) {
			return value{}, bad
		}
		nums[j] = n
	}
	if !st.reading || !st.saveLoaded {
		st.saveLoaded = st.saveLoaded || st.reading
		cur = value{}
	}
	list := append([]string(nil), cur.list...)
	for j := 0; j < len(nums); j += 2 {
		// Redis keeps the number of changes in an int.
		list = append(list, strconv.FormatInt(nums[j], 10), strconv.Itoa(int(int32(nums[j+1]))))
	}
	return value{s: strings.Join(list, " "), list: list}, ""
}

var coblSpecial = &special{set: setCOBL, rewrite: rewriteCOBL}

// coblClasses are the client classes of client-output-buffer-limit, in the
// order CONFIG GET lists them.
var coblClasses = []string{"normal", "slave", "pubsub"}

// setCOBL parses "<class> <hard> <soft> <seconds>" groups; classes not
// named keep their limits.
func setCOBL(args []string, cur value, _ *state) (value, string) {
	if len(args)%4 != 0 {
		return value{}, "Wrong number of arguments in buffer limit configuration."
	}
	list := append([]string(nil), cur.list...)
	if len(list) != 12 {
		list = []string{"normal", "0", "0", "0", "slave", "0", "0", "0", "pubsub", "0", "0", "0"}
	}
	for j := 0; j < len(args); j += 4 {
		class := -1
		switch strings.ToLower(args[j]) {
		case "normal":
			class = 0
		case "slave", "replica":
			class = 1
		case "pubsub":
			class = 2
		}
		if class < 0 {
			return value{}, "Invalid client class specified in buffer limit configuration."
		}
		hard, hok := ParseMemory(args[j+1])
		soft, sok := ParseMemory(args[j+2])
		secs, eok := parseCInt(args[j+3])
		secs = int64(int32(secs)) // Redis keeps the seconds in an int
		if !hok || !sok || !eok || secs < 0 {
			return value{}, "Error in hard, soft or soft_seconds setting in buffer limit configuration."
		}
		copy(list[4*class:], []string{coblClasses[class],
			strconv.FormatUint(hard, 10), strconv.FormatUint(soft, 10), strconv.FormatInt(secs, 10)})
	}
	return value{s: strings.Join(list, " "), list: list}, ""
}

var oomSpecial = &special{set: setOOMValues, rewrite: rewriteForcedIfChanged}

func setOOMValues(args []string, _ value, _ *state) (value, string) {
	if len(args) != 3 {
		return value{}, "wrong number of arguments"
	}
	list := make([]string, 3)
	for i, a := range args {
		n, ok := parseCInt(a)
		if !ok || n < -2000 || n > 2000 {
			return value{}, "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
		}
		list[i] = strconv.FormatInt(n, 10)
	}
	return value{s: strings.Join(list, " "), list: list}, ""
}

var notifySpecial = &special{set: setNotify, rewrite: rewriteNotify}

// Keyspace notification classes, in the order CONFIG GET prints them.
const (
	notifyKeyspace = 1 << iota
	notifyKeyevent
	notifyGeneric
	notifyString
	notifyList
	notifySet
	notifyHash
	notifyZset
	notifyExpired
	notifyEvicted
	notifyStream
	notifyKeyMiss
	notifyModule
	notifyNew
	notifyAll = notifyGeneric | notifyString | notifyList | notifySet | notifyHash |
		notifyZset | notifyExpired | notifyEvicted | notifyStream | notifyModule
)

var notifyChars = []struct {
	c    byte
	flag int64
}{
	{'g', notifyGeneric}, {'$', notifyString}, {'l', notifyList}, {'s', notifySet},
	{'h', notifyHash}, {'z', notifyZset}, {'x', notifyExpired}, {'e', notifyEvicted},
	{'t', notifyStream}, {'d', notifyModule}, {'n', notifyNew},
	{'K', notifyKeyspace}, {'E', notifyKeyevent}, {'m', notifyKeyMiss}, {'A', notifyAll},
}

func setNotify(args []string, _ value, _ *state) (value, string) {
	if len(args) != 1 {
		return value{}, "wrong number of arguments"
	}
	var flags int64
	for i := 0; i < len(args[0]); i++ {
		found := false
		for _, nc := range notifyChars {
			if nc.c == args[0][i] {
				flags |= nc.flag
				found = true
			}
		}
		if !found {
			return value{}, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
		}
	}
	return value{s: notifyFlagsString(flags), n: flags}, ""
}

// NotifyClasses spells out every class a notify-keyspace-events value
// (Config.Int of it) enables, K and E included. Unlike the canonical
// string it keeps n and m next to A, which CONFIG GET drops as Redis does.
func NotifyClasses(flags int64) string {
	var b strings.Builder
	for _, nc := range notifyChars[:14] {
		if flags&nc.flag != 0 {
			b.WriteByte(nc.c)
		}
	}
	return b.String()
}

// notifyFlagsString is Redis's canonical spelling of a set of classes.
func notifyFlagsString(flags int64) string {
	var b strings.Builder
	if flags&notifyAll == notifyAll {
		b.WriteByte('A')
	} else {
		for _, nc := range notifyChars[:11] { // the type classes, g to n
			if flags&nc.flag != 0 {
				b.WriteByte(nc.c)
			}
		}
	}
	for _, nc := range notifyChars[11:14] { // K, E and m
		if flags&nc.flag != 0 {
			b.WriteByte(nc.c)
		}
	}
	return b.String()
}

var bindSpecial = &special{set: setBind, rewrite: rewriteBind}

// setBind takes up to 16 addresses; a "-" prefix marks an optional one.
func setBind(args []string, _ value, _ *state) (value, string) {
	if len(args) > 16 {
		return value{}, "Too many bind addresses specified."
	}
	if len(args) == 1 && args[0] == "" {
		args = nil
	}
	list := append([]string(nil), args...)
	return value{s: strings.Join(list, " "), list: list}, ""
}

var replicaofSpecial = &special{set: setReplicaOf, rewrite: rewriteReplicaOf}

// setReplicaOf takes "<host> <port>", or "no one" for a master.
func setReplicaOf(args []string, _ value, _ *state) (value, string) {
	if len(args) != 2 {
		return value{}, "wrong number of arguments"
	}
	if strings.EqualFold(args[0], "no") && strings.EqualFold(args[1], "one") {
		return value{}, ""
	}
	port, ok := parseCInt(args[1])
	if !ok || port < 0 || port > 65535 {
		return value{}, "Invalid master port"
	}
	list := []string{args[0], strconv.FormatInt(port, 10)}
	return value{s: strings.Join(list, " "), n: port, list: list}, ""
}

var percentilesSpecial = &special{set: setPercentiles, rewrite: rewritePercentiles}

func setPercentiles(args []string, _ value, _ *state) (value, string) {
	if len(args) == 1 && args[0] == "" {
		args = nil
	}
	list := make([]string, len(args))
	for i, a := range args {
		f, ok := parseDouble(a)
		if !ok {
			return value{}, "Invalid latency-tracking-info-percentiles parameters"
		}
		if f > 100 || f < 0 {
			return value{}, "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
		}
		list[i] = formatDouble(f)
	}
	return value{s: strings.Join(list, " "), list: list}, ""
}

var dirSpecial = &special{set: setDir, rewrite: rewriteDir}

// setDir checks the directory as Redis's chdir would, without changing the
// process's working directory: the value is the absolute physical path, and
// a relative one is taken from the current dir, as after Redis's chdir.
func setDir(args []string, cur value, _ *state) (value, string) {
	if len(args) != 1 {
		return value{}, "wrong number of arguments"
	}
	if args[0] == "" {
		return value{}, strerror(syscall.ENOENT)
	}
	p := args[0]
	if !filepath.IsAbs(p) {
		p = filepath.Join(cur.s, p)
	}
	p, err := filepath.EvalSymlinks(p)
	if err == nil {
		var fi os.FileInfo
		if fi, err = os.Stat(p); err == nil && !fi.IsDir() {
			err = syscall.ENOTDIR
		}
	}
	if err == nil {
		err = syscall.Access(p, 1) // search permission, as chdir needs
	}
	if err != nil {
		return value{}, strerror(err)
	}
	return value{s: p}, ""
}
