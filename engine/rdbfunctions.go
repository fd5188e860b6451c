package engine

import "github.com/cairndb/cairn/storage"

// storeFunctionLibraries adds imported libraries to the stored ones (a
// library of the same name is replaced), or with only makes them the only
// ones; the engine compiles them when it starts (functions_lib.go).
func storeFunctionLibraries(store *storage.Store, codes [][]byte, only bool) error {
	if len(codes) == 0 && !only {
		return nil
	}
	libs := map[string]string{}
	if !only {
		var err error
		if libs, err = store.FunctionLibraries(); err != nil {
			return err
		}
	}
	for _, code := range codes {
		_, name, _, _ := parseLibraryHeader(string(code))
		libs[name] = string(code)
	}
	return store.SetFunctionLibraries(libs)
}
