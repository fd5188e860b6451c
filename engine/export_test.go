package engine

// SetZsetPersistMin sets the size from which a sorted set keeps its rank
// index in records (zsetPersistMin) and returns the old one, so the
// external tests can drive both kinds of index.
func SetZsetPersistMin(n int64) int64 {
	old := zsetPersistMin
	zsetPersistMin = n
	return old
}
