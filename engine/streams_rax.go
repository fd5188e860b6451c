package engine

// XINFO STREAM reports radix-tree-nodes: how many nodes Redis's radix
// tree over the stream's node keys (16-byte master IDs) has. That tree is
// a compressed trie in canonical form, so its size follows from the key
// set alone:
//
//	nodes = 1 + Σ over trie nodes v but the root (1 + [depth(v) − depth(parent(v)) > 1]) − C
//
// where the trie nodes are the branch points and leaves, a jump of more
// than one byte from the parent costs a compressed node, and C = 1 when
// the root is itself a compressed node (all keys share their first two
// bytes, or there is one key). Inserting or removing one key changes only
// the trie around it, so the count is kept up to date with a few seeks.

const raxKeyLen = 16

// raxKeySet is an ordered set of raxKeyLen-byte keys.
type raxKeySet interface {
	seekGE(k []byte) []byte // smallest key ≥ k, nil if none
	seekLT(k []byte) []byte // largest key < k, nil if none
	first() []byte
	last() []byte
}

func lcp(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// raxEdge is what a trie edge from depth a to depth b costs in rax nodes.
func raxEdge(a, b int) int64 {
	if b-a > 1 {
		return 2
	}
	return 1
}

// raxRootCorrection is C for a set of n keys with the given extremes.
func raxRootCorrection(n uint64, first, last []byte) int64 {
	if n == 1 || lcp(first, last) > 1 {
		return 1
	}
	return 0
}

// raxInsertDelta is how many rax nodes inserting k (absent) into the n
// keys of set adds; removing k changes the count by minus the delta of
// inserting it back.
func raxInsertDelta(set raxKeySet, n uint64, k []byte) int64 {
	if n == 0 {
		return 1
	}
	pred, succ := set.seekLT(k), set.seekGE(k)
	// The new leaf hangs off depth depth, inside or at the top of the
	// subtrie of the keys sharing k's first depth bytes.
	depth := max(lcpOrZero(pred, k), lcpOrZero(k, succ))
	minA, maxA := set.first(), set.last()
	if depth > 0 {
		minA = set.seekGE(k[:depth])
		if end := prefixEnd(k[:depth]); end != nil {
			maxA = set.seekLT(end)
		}
	}
	top := raxKeyLen // depth of the subtrie's top node
	if string(minA) != string(maxA) {
		top = lcp(minA, maxA)
	}
	delta := raxEdge(depth, raxKeyLen) // the new leaf
	if top > depth {
		// The leaf needs a new branch node at depth, splitting the edge
		// from the subtrie's parent to its top.
		parent := 0
		if p := set.seekLT(minA); p != nil {
			parent = lcp(p, minA)
		}
		if end := prefixEnd(maxA); end != nil {
			if s := set.seekGE(end); s != nil {
				parent = max(parent, lcp(maxA, s))
			}
		}
		if parent < depth {
			delta += raxEdge(parent, depth) + raxEdge(depth, top) - raxEdge(parent, top)
		}
	}
	first, last := set.first(), set.last()
	newFirst, newLast := first, last
	if string(k) < string(first) {
		newFirst = k
	}
	if string(k) > string(last) {
		newLast = k
	}
	return delta + raxRootCorrection(n, first, last) - raxRootCorrection(n+1, newFirst, newLast)
}

func lcpOrZero(a, b []byte) int {
	if a == nil || b == nil {
		return 0
	}
	return lcp(a, b)
}
