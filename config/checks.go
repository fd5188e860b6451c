package config

import (
	"strings"
)

// The validators below carry Redis's own reasons for refusing a value.

func checkActiveDefrag(v value, _ *state) string {
	// Like the Debian build of Redis, Cairn has no active defragmentation.
	if v.n != 0 {
		return "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution"
	}
	return ""
}

func isBaseName(s string) bool { return !strings.ContainsAny(s, `/\`) }

func checkDBFilename(v value, _ *state) string {
	if !isBaseName(v.s) {
		return "dbfilename can't be a path, just a filename"
	}
	return ""
}

func checkAOFFilename(v value, _ *state) string {
	switch {
	case v.s == "":
		return "appendfilename can't be empty"
	case !isBaseName(v.s):
		return "appendfilename can't be a path, just a filename"
	}
	return ""
}

func checkAOFDirname(v value, _ *state) string {
	switch {
	case v.s == "":
		return "appenddirname can't be empty"
	case !isBaseName(v.s):
		return "appenddirname can't be a path, just a dirname"
	}
	return ""
}

func checkDataSubdir(v value, _ *state) string {
	switch {
	case v.s == "":
		return "cairn-data-subdir can't be empty"
	case !isBaseName(v.s) || v.s == "." || v.s == "..":
		return "cairn-data-subdir can't be a path, just a dirname"
	}
	return ""
}

func checkHostname(v value, _ *state) string {
	if len(v.s) >= 256 {
		return "Hostnames must be less than 256 characters"
	}
	for i := 0; i < len(v.s); i++ {
		c := v.s[i]
		if !(('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || c == '-' || c == '.') {
			return "Hostnames may only contain alphanumeric characters, hyphens or dots"
		}
	}
	return ""
}

func checkShutdownFlags(v value, _ *state) string {
	if v.n&1 != 0 && v.n&2 != 0 {
		return "shutdown options SAVE and NOSAVE can't be used simultaneously"
	}
	return ""
}

// checkProcTitle expands the template as Redis does when validating it:
// unknown variables or braces that do not close are errors, and so is a
// title that is blank once expanded.
func checkProcTitle(v value, st *state) string {
	const bad = "template format is invalid or contains unknown variables"
	vars := map[string]string{
		"title":       "",
		"listen-addr": "*",
		"port":        st.get("port").s,
		"tls-port":    st.get("tls-port").s,
		"unixsocket":  st.get("unixsocket").s,
		"config-file": st.file,
		"server-mode": "",
	}
	if st.get("cluster-enabled").n != 0 {
		vars["server-mode"] = "[cluster]"
	}
	var out strings.Builder
	for p := v.s; p != ""; {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			out.WriteString(p)
			break
		}
		out.WriteString(p[:i])
		p = p[i+1:]
		switch {
		case p == "":
			return bad
		case p[0] == '{':
			out.WriteByte('{')
			p = p[1:]
			continue
		}
		j := strings.IndexByte(p, '}')
		if j < 0 {
			return bad
		}
		val, ok := vars[p[:j]]
		if !ok {
			return bad
		}
		out.WriteString(val)
		p = p[j+1:]
	}
	if strings.Trim(out.String(), " ") == "" {
		return bad
	}
	return ""
}
