package engine

import "github.com/cairndb/cairn/storage"

// storeFunctionLibraries adds imported libraries to the stored ones (a
// library of the same name is replaced); the engine compiles them when it
// starts (functions_lib.go).
func storeFunctionLibraries(store *storage.Store, codes [][]byte) error {
	if len(codes) == 0 {
		return nil
	}
	libs, err := store.FunctionLibraries()
	if err != nil {
		return err
	}
	for _, code := range codes {
		_, name, _, _ := parseLibraryHeader(string(code))
		libs[name] = string(code)
	}
	return store.SetFunctionLibraries(libs)
}
