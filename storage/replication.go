package storage

import (
	"errors"

	"github.com/cockroachdb/pebble/v2"
)

// A replica's place in its master's history (the master's replication id
// and the offset applied) is kept by a clean shutdown in the system
// record "replica-position", so that the next start continues with PSYNC,
// as Redis keeps it in its RDB. The next start takes it away at once: from
// then on the data moves past it. ENCODING.md lists the record.
const replicaPositionName = "replica-position"

// SaveReplicaPosition stores pos durably.
func (s *Store) SaveReplicaPosition(pos string) error {
	return s.db.Set(systemKey(replicaPositionName), []byte(pos), pebble.Sync)
}

// TakeReplicaPosition returns the stored position ("" if none) and
// deletes it.
func (s *Store) TakeReplicaPosition() (string, error) {
	v, err := s.getSystem(replicaPositionName)
	if err != nil || v == nil {
		return "", err
	}
	if err := s.db.Delete(systemKey(replicaPositionName), pebble.Sync); err != nil {
		return "", errors.Join(errors.New("deleting the replica position"), err)
	}
	return string(v), nil
}
