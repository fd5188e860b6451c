package engine_test

import (
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// The sandbox: which globals exist, read-only globals and libraries, and
// Redis's errors for breaking the rules.
func TestScriptSandboxDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		eval "local t = {} for k in pairs(_G) do table.insert(t, k) end table.sort(t) return t" 0
		eval "local t = {} for k in pairs(redis) do table.insert(t, k) end table.sort(t) return t" 0
		eval "local t = {} for k, v in pairs(string) do table.insert(t, k .. ':' .. type(v)) end table.sort(t) return t" 0
		eval "local t = {} for k, v in pairs(table) do table.insert(t, k .. ':' .. type(v)) end table.sort(t) return t" 0
		eval "local t = {} for k, v in pairs(math) do table.insert(t, k .. ':' .. type(v)) end table.sort(t) return t" 0
		eval "local t = {} for k, v in pairs(coroutine) do table.insert(t, k .. ':' .. type(v)) end table.sort(t) return t" 0
		eval "local t = {} for k, v in pairs(bit) do table.insert(t, k .. ':' .. type(v)) end table.sort(t) return t" 0
		eval "local t = {} for k, v in pairs(cjson) do table.insert(t, k .. ':' .. type(v)) end table.sort(t) return t" 0
		eval "local t = {} for k, v in pairs(cmsgpack) do table.insert(t, k .. ':' .. type(v)) end table.sort(t) return t" 0
		eval "local t = {} for k, v in pairs(struct) do table.insert(t, k .. ':' .. type(v)) end table.sort(t) return t" 0
		eval "return {_VERSION, redis.REDIS_VERSION, redis.REDIS_VERSION_NUM, redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING, redis.REPL_ALL, redis.REPL_AOF, redis.REPL_NONE, redis.REPL_REPLICA, redis.REPL_SLAVE}" 0
		eval "return {cjson._NAME, cjson._VERSION, cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION, tostring(cjson.null)}" 0
		eval "return nosuch" 0
		eval "return _G.nosuch" 0
		eval "return _G[1]" 0
		eval "return rawget(_G, 'nosuch')" 0
		eval "return type(rawget(_G, 'string'))" 0
		eval "newglobal = 1" 0
		eval "_G.x = 1" 0
		eval "string = nil" 0
		eval "string.x = 1" 0
		eval "string.format = nil" 0
		eval "redis.call = nil" 0
		eval "cjson.x = 1" 0
		eval "math.pi = 3" 0
		eval "rawset(_G, 'x', 1)" 0
		eval "rawset(string, 'x', 1)" 0
		eval "setmetatable(_G, nil)" 0
		eval "return type(getmetatable(_G))" 0
		eval "return type(getmetatable('').__index)" 0
		eval "getmetatable('').__index = nil" 0
		eval "return ('abc'):upper()" 0
		eval "local t = {} rawset(t, 'a', 1) return t.a" 0
		eval "local t = setmetatable({}, {__index = function() return 'dflt' end}) return t.x" 0
		eval "return {os, io, print, dofile, loadfile, getfenv, setfenv, module, require, debug, newproxy}" 0
		eval "return os.time()" 0
		eval "return loadstring('return 1 + 1')()" 0
		eval "return load(function() return nil end) ~= nil" 0
		eval "local f = loadstring('return nosuch') return f()" 0
		eval "return {loadstring('return +')}" 0
		eval "return {loadstring('x(', '=mine')}" 0
		eval "local f = loadstring([[error('e')]], '@file.lua') f()" 0
		eval "return loadstring('return dofile')()" 0
		eval "return tonumber('ff', 16) + tonumber('  11  ', 2) + tonumber('z', 36)" 0
		eval "return {tonumber('8', 8), tonumber('1e1', 16)}" 0
		eval "return tonumber('1', 99)" 0
		eval "return select('#', 1, 2, 3)" 0
		eval "return {unpack({1, 2, 3})}" 0
		eval "return tonumber('0x10') + tonumber(' 12 ') + tonumber('1e2')" 0
		eval "return tostring(tonumber('abc'))" 0
		eval "return {rawequal('a', 'a'), type(next({}))}" 0
		eval "local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) return b * 2 end) local _, x = coroutine.resume(co, 1) local _, y = coroutine.resume(co, 10) return {x, y, coroutine.status(co)}" 0
		eval "return type(gcinfo())" 0
		eval "return type(collectgarbage('count'))" 0
		eval "local n = 0 for i, v in ipairs({'a', 'b', nil, 'c'}) do n = n + 1 end return n" 0
		eval "local t = {} table.foreach({a = 1}, function(k, v) t[#t + 1] = k .. v end) return t" 0
		eval "local t = {} table.foreachi({'x', 'y'}, function(i, v) t[#t + 1] = i .. v end) return t" 0
		eval "return table.getn({1, 2, 3})" 0
		eval "table.setn({}, 1)" 0
		eval "table.insert(_G, 1)" 0
		eval "local t = {3, 1, 2} table.sort(t) table.insert(t, 4) table.insert(t, 1, 0) table.remove(t, 2) return {table.concat(t, ','), table.maxn(t)}" 0
		eval "local t = {} for w in string.gfind('a b c', '%a') do t[#t + 1] = w end return t" 0
	`)
}

// tostring and string.format follow C Lua: %.14g numbers, C printf.
func TestScriptStringFormatDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		eval "return {tostring(1/3), tostring(1e15), tostring(2^53), tostring(0.1), tostring(123456789012345), tostring(1e100), tostring(1/0), tostring(-1/0), tostring(0/0), tostring(100)}" 0
		eval "return tostring(-0.0)" 0
		eval "return string.format('%d %5.2f %s %q %x %g', 3.7, 3.14159, 1/3, 'a\\n\"b', 255, 1e20)" 0
		eval "return string.format('%5d|%-5d|%05d|%+d|% d|%.3d|%x|%X|%#x|%o|%#o|%u|%c', 42, 42, 42, 42, 42, 7, 255, 255, 255, 8, 8, 42, 65)" 0
		eval "return string.format('%d|%x|%i', -5, -1, 2^40)" 0
		eval "return string.format('%e|%E|%.2e|%10.3f|%-10.1f|%g|%G|%.3g|%#g|%.0f|%g|%g', 12345.678, 0.000123, 1, 3.14159, 2.5, 0.0001, 1e-10, 1234567, 1, 2.5, 100000, 1000000)" 0
		eval "return string.format('%f|%e|%g|%5.1f|%+f', 1/0, -1/0, 0/0, 1/0, 1/0)" 0
		eval "return string.format('%s|%10s|%-10s|%.2s|%s', 'abc', 'abc', 'abc', 'abc', 12.5)" 0
		eval "return string.format('%q', 'a\\0b\\r\\\\')" 0
		eval "return string.format('%%|%5%')" 0
		eval "return string.format('%s', string.rep('x', 120)):len()" 0
		eval "return string.format('%y', 1)" 0
		eval "return string.format('%d')" 0
		eval "return string.format('%d', 'x')" 0
		eval "return string.format('%d', '12')" 0
		eval "return string.format('%123d', 1)" 0
		eval "return string.format('%------d', 1)" 0
		eval "return string.format('%s')" 0
		eval "return string.format(12)" 0
		eval "return string.format('%5.1s|', 'abc')" 0
		eval "return {string.byte('abc', 1, 3), string.char(72, 105), string.len('abc'), string.lower('AbC'), string.upper('aBc'), string.reverse('abc'), string.sub('hello', 2, -2), string.rep('ab', 3)}" 0
		eval "return {string.find('hello world', 'o w'), string.find('hello', 'l+'), string.match('key=val', '(%w+)=(%w+)')}" 0
		eval "return {string.gsub('hello world', 'o', '0')}" 0
		eval "return {string.gsub('abc', '%w', '%0%0')}" 0
		eval "local t = {} for k, v in string.gmatch('a=1, b=2', '(%w+)=(%w+)') do t[#t + 1] = k .. v end return t" 0
		eval "return 10 .. ''" 0
		eval "return 1.5 .. ''" 0
	`)
}

// The .. operator and the string functions write numbers as tostring does
// ("%.14g", glibc's inf and nan), in EVAL scripts, in chunks compiled by
// loadstring and in function libraries; the other operands, metamethods
// and errors behave as before.
func TestScriptConcatDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		eval "return {0 .. '', 1 .. '', -1 .. '', 10 .. '', 123456789 .. '', 2^31 .. '', 2^32 .. '', 2^52 .. '', 2^53 .. '', (2^53 + 1) .. ''}" 0
		eval "return {2^63 .. '', -2^63 .. '', 2^64 .. '', 1e14 .. '', 1e15 .. '', 1e16 .. '', 99999999999999 .. '', 999999999999999 .. '', 123456789012345 .. '', 1e100 .. ''}" 0
		eval "return {0.1 .. '', 0.5 .. '', 1/3 .. '', 2/3 .. '', -1/3 .. '', 1/7 .. '', (0.1 + 0.2) .. '', 3.14159 .. '', math.pi .. '', -2.5 .. ''}" 0
		eval "return {1e-5 .. '', 1e-4 .. '', 1e-300 .. '', 2^-1074 .. '', 1e300 .. '', 1.7976931348623157e308 .. '', 1e308 * 10 .. '', 123.456e-7 .. ''}" 0
		eval "return {1/0 .. '', -1/0 .. '', math.huge .. '', -math.huge .. '', (0/0) .. '', (-(0/0)) .. '', tonumber('inf') .. '', tonumber('-inf') .. ''}" 0
		eval "return -0 .. ''" 0
		eval "return tonumber('-0') .. ''" 0
		eval "local z = 0 return -z .. ''" 0
		eval "return {010 .. '', 0x10 .. '', 0xff .. '', 1e2 .. '', .5 .. '', 5. .. '', 1E+3 .. '', 0x7fffffff .. ''}" 0
		eval "return {tonumber('0x10') .. '', tonumber('1e2') .. '', tonumber('  12  ') .. '', tonumber('0x7fffffff') .. '', tonumber('9007199254740993') .. '', tonumber('ff', 16) .. '', tonumber('.5') .. ''}" 0
		eval "return {'' .. 1/3, 'x' .. 2^53, 1/3 .. 2^53, 1 .. 2, 1 .. 2 .. 3, 'a' .. 1 .. 'b' .. 2.5 .. 'c' .. 1/0 .. 'd' .. 1e15}" 0
		eval "local a, b, c = 1/3, 'x', 2^53 return {a .. b .. c, c .. b .. a, a .. a, (a .. b) .. c, a .. (b .. c), ((a .. '') .. '') .. a}" 0
		eval "local t = {1/3, 2^53} return {t[1] .. t[2], #(t[1] .. ''), (t[1] .. ''):len(), ('' .. t[2]):upper(), t[1] .. '' == '0.33333333333333'}" 0
		eval "local s = '' for i = 1, 6 do s = s .. i / 4 .. ',' .. 10 ^ (i * 3) .. ';' end return s" 0
		eval "local k = {} k[1/3 .. ''] = 1 k['x' .. 1e15] = 2 return {k['0.33333333333333'], k['x1e+15']}" 0
		eval "return redis.call('echo', 'k' .. 1/3 .. ':' .. 2^53)" 0
		eval "redis.call('set', 'n' .. 1/3, 1/3 .. '') return redis.call('get', 'n0.33333333333333')" 0
		eval "return redis.call('incrbyfloat', 'f', 1.5) .. ''" 0
		eval "return ARGV[1] .. 1/3 .. KEYS[1]" 1 key arg
		eval "local function f(...) return ... .. '|' .. select('#', ...) end return {f(1/3, 2), f(2^53)}" 0
		eval "local function f() return 1/3, 2 end return {'a' .. f(), f() .. 'b', select('#', 'c' .. f())}" 0
		eval "local function f(...) return 'a' .. ... end return {f(1/3), f('b', 'c')}" 0
		eval "return cmsgpack.unpack(cmsgpack.pack(1/3)) .. cjson.decode('[1e300]')[1]" 0
		eval "return loadstring('return 1/3 .. 2^53')()" 0
		eval "return loadstring('local a = ... return a .. 0.1')(2/3)" 0
		eval "local mt = {__concat = function(a, b) return type(a) .. ':' .. type(b) end} local t = setmetatable({}, mt) return {t .. 1/3, 1/3 .. t, t .. 'x' .. 1/3, 1/3 .. 'x' .. t, 1 .. 2 .. t, t .. t}" 0
		eval "local mt = {__concat = function(a, b) return tostring(a) .. '|' .. tostring(b) end} local t = setmetatable({}, mt) local r = 1/3 .. 2^53 .. t return r:sub(1, 36)" 0
		eval "local t = setmetatable({}, {__concat = function(a, b) return 1/3 end}) return {(t .. 'x') .. 'y', 'y' .. (t .. 'x'), 'z' .. t .. 'x'}" 0
		eval "local t = setmetatable({}, {__concat = function() error('in meta', 2) end}) return t .. 1" 0
		eval "local t = setmetatable({}, {__concat = function() error('in meta') end}) return 'x' .. t" 0
		eval "local t = setmetatable({}, {__concat = string.rep}) return t .. 1" 0
		eval "local t = setmetatable({}, {__concat = function(a, b) return select(2, pcall(error, 'e', 3)) end}) return t .. 1" 0
		eval "return {(pcall(function() return 'a' .. nil end)), (pcall(function() return {} .. 1 end)), (pcall(function() return 1/3 .. true end))}" 0
		eval "return {string.len(1/3), string.len(2^53), string.len(0/0), string.len(1/0), string.sub(2^53, 3), string.reverse(1/3), string.upper(1e15), string.rep(1/3, 2, 'x')}" 0
		eval "return string.len(-0)" 0
		eval "return {string.byte(1/0, 1, -1)}" 0
		eval "return {string.find(1/3, '(3+)')}" 0
		eval "return {string.find('x0.33333333333333y', 1/3, 1, true)}" 0
		eval "return {string.match(1/3, '(%d)%.(%d+)')}" 0
		eval "return {string.gsub(1/3, 3, 1/4)}" 0
		eval "return {string.gsub('a1b', 1, 2^53)}" 0
		eval "local t = {} for w in string.gmatch(2^53, '%d+') do t[#t + 1] = w end for w in string.gfind(1/3, '3+') do t[#t + 1] = w end return t" 0
		eval "return {('x'):rep(2) .. 1/3, table.concat({1/3, 'a', 2^53}, 1/4)}" 0
		eval "return assert(false, 1/3)" 0
		eval "return {pcall(assert, false, 1/3)}" 0
		eval "return {pcall(assert, false, 'm')}" 0
		eval "return {assert(1, 2, 3)}" 0
		eval "return assert()" 0
		eval "return assert(nil, {})" 0
	`)
	d.Do("function", "load", "#!lua name=concatlib\n"+
		"local loaded = 'at load: ' .. 1/3 .. ',' .. 2^53\n"+
		"redis.register_function('concat' .. 1, function(keys, args)\n"+
		"  return {loaded, keys[1] .. ':' .. 1e15, args[1] .. -1/7, tonumber(args[1]) / 3 .. '', 1/0 .. '|' .. -(0/0)}\n"+
		"end)\n")
	d.Run(`
		fcall concat1 1 key 7
		fcall_ro concat1 1 key 0.5
	`)
}

// math, including Redis's math.random: rand48 from a fixed state, shared
// by all scripts (both servers start fresh, so the sequences agree).
func TestScriptMathDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		eval "return {math.random(1000), math.random(1000), tostring(math.random())}" 0
		eval "return {math.random(10, 20), math.random(5)}" 0
		eval "math.randomseed(42) return {math.random(1000), math.random(1000)}" 0
		eval "return {math.random(1000), math.random(1000)}" 0
		eval "math.randomseed(-7) return math.random(1, 100)" 0
		eval "return math.random(0)" 0
		eval "return math.random(3, 1)" 0
		eval "return math.random(1, 2, 3)" 0
		eval "return math.random('x')" 0
		eval "return {math.floor(3.7), math.ceil(3.2), math.abs(-4), math.max(1, 5, 3), math.min(2, 0), math.fmod(7, 3), math.sqrt(16), math.pow(2, 10), math.huge > 0}" 0
		eval "return {tostring(math.pi), tostring(math.sin(1)), tostring(math.log(10)), tostring(math.log10(1000)), tostring(math.exp(1))}" 0
		eval "local m, e = math.frexp(8) return {m * 10, e, math.ldexp(1, 4)}" 0
		eval "local i, f = math.modf(3.75) return {i, tostring(f)}" 0
		eval "return {math.mod(7, 3), tostring(math.deg(math.pi)), tostring(math.rad(180))}" 0
	`)
}

// bit (LuaBitOp).
func TestScriptBitDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		eval "return {bit.tobit(0xffffffff), bit.tobit(2^32 + 5), bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-1.5), bit.tobit('12')}" 0
		eval "return {bit.bnot(0), bit.band(0xff, 0x0f, 0x3), bit.bor(1, 2, 4), bit.bxor(5, 3), bit.band(5)}" 0
		eval "return {bit.lshift(1, 31), bit.lshift(1, 32), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678)}" 0
		eval "return {bit.tohex(255), bit.tohex(-1), bit.tohex(255, 2), bit.tohex(255, -4), bit.tohex(0x12345678, 10), bit.tohex(1, 0)}" 0
		eval "return bit.tobit()" 0
		eval "return bit.band(1, 'x')" 0
		eval "return bit.tohex(1, nil)" 0
	`)
}

// struct.
func TestScriptStructDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		eval "return struct.pack('>I2', 258)" 0
		eval "return struct.pack('<i4', -2)" 0
		eval "return struct.pack('bBhHlLT', -1, 255, -2, 65535, -3, 7, 9)" 0
		eval "return struct.pack('>d', 1.5)" 0
		eval "return struct.pack('<f', 0.25)" 0
		eval "return struct.pack('s', 'ab')" 0
		eval "return struct.pack('c3', 'abcdef')" 0
		eval "return struct.pack('c0', 'abc')" 0
		eval "return struct.pack('!4 b i4', 1, 2)" 0
		eval "return struct.pack('>!8 b d', 1, 2)" 0
		eval "return struct.pack('x b x', 7)" 0
		eval "return struct.pack('i16', -1)" 0
		eval "return {struct.unpack('>I2', string.char(1, 2))}" 0
		eval "return {struct.unpack('<i4', struct.pack('<i4', -2))}" 0
		eval "return {struct.unpack('bB', string.char(255, 255))}" 0
		eval "return {struct.unpack('s', 'ab\\0cd')}" 0
		eval "return {struct.unpack('c2c1', 'abc')}" 0
		eval "return {struct.unpack('b c0', string.char(2) .. 'xyz')}" 0
		eval "local v, n = struct.unpack('>d', struct.pack('>d', 1.5)) return {tostring(v), n}" 0
		eval "return {struct.unpack('b', 'ab', 2)}" 0
		eval "return {struct.size('bhi'), struct.size('!4 b i'), struct.size('>l d'), struct.size('c10')}" 0
		eval "return struct.pack('z', 1)" 0
		eval "return struct.pack('i33', 1)" 0
		eval "return struct.pack('!3 i', 1)" 0
		eval "return struct.pack('c5', 'ab')" 0
		eval "return struct.pack('i')" 0
		eval "return struct.unpack('i4', 'ab')" 0
		eval "return struct.unpack('s', 'ab')" 0
		eval "return struct.unpack('c0', 'ab')" 0
		eval "return struct.size('s')" 0
		eval "return struct.size('c0')" 0
	`)
}

// cjson: encoding, decoding, their settings and errors.
func TestScriptCJSONDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		eval "return cjson.encode({'a/b\"c\\\\', '\\1\\2\\8\\9\\10\\12\\13\\31\\127\\128', 1/3, 1e15, 100, -0.0, true, false, cjson.null})" 0
		eval "return cjson.encode({})" 0
		eval "return cjson.encode({[1] = 1, [3] = 3})" 0
		eval "return cjson.encode({[1] = 1, [30] = 3})" 0
		eval "return cjson.encode({a = {b = {1, 2, {c = 'd'}}}})" 0
		eval "return cjson.encode({[1.5] = 1})" 0
		eval "return cjson.encode({[-1] = 1})" 0
		eval "return cjson.encode('x')" 0
		eval "return cjson.encode(12.5)" 0
		eval "return cjson.encode(nil)" 0
		eval "return cjson.encode(1/0)" 0
		eval "return cjson.encode(function() end)" 0
		eval "return cjson.encode({[true] = 1})" 0
		eval "return cjson.encode()" 0
		eval "return cjson.encode(1, 2)" 0
		eval "local t = {} t[1] = t return cjson.encode(t)" 0
		eval "return {cjson.encode_sparse_array()}" 0
		eval "return {cjson.encode_max_depth(), cjson.decode_max_depth(), cjson.encode_number_precision(), tostring(cjson.encode_invalid_numbers()), tostring(cjson.decode_invalid_numbers()), tostring(cjson.encode_keep_buffer())}" 0
		eval "local c = cjson.new() c.encode_number_precision(3) return {c.encode(1/3), cjson.encode(1/3)}" 0
		eval "local c = cjson.new() c.encode_invalid_numbers(true) return {c.encode(1/0), c.encode(-1/0)}" 0
		eval "local c = cjson.new() c.encode_invalid_numbers('null') return c.encode(0/0)" 0
		eval "local c = cjson.new() c.encode_sparse_array(true) return c.encode({[1] = 1, [30] = 3})" 0
		eval "local c = cjson.new() c.encode_max_depth(2) return c.encode({{{1}}})" 0
		eval "return cjson.encode_number_precision(15)" 0
		eval "return cjson.encode_invalid_numbers('maybe')" 0
		eval "return cjson.decode('[1, 2.5, -3e2, \"x\", true, false, null]')" 0
		eval "local t = cjson.decode('{\"a\": {\"b\": [1, 2]}}') return t.a.b" 0
		eval "return cjson.decode('\"a\\\\u00e9\\\\ud83d\\\\ude00\\\\n\\\\/\"')" 0
		eval "return tostring(cjson.decode('null') == cjson.null)" 0
		eval "return cjson.decode('  42  ')" 0
		eval "return cjson.decode('0x10')" 0
		eval "return cjson.decode('[1,')" 0
		eval "return cjson.decode('[1 2]')" 0
		eval "return cjson.decode('{\"a\" 1}')" 0
		eval "return cjson.decode('{1: 2}')" 0
		eval "return cjson.decode('{\"a\": 1,}')" 0
		eval "return cjson.decode('nul')" 0
		eval "return cjson.decode('\"abc')" 0
		eval "return cjson.decode('\"\\\\x\"')" 0
		eval "return cjson.decode('\"\\\\ud800\"')" 0
		eval "return cjson.decode('[1] x')" 0
		eval "return cjson.decode('')" 0
		eval "return cjson.decode('-')" 0
		eval "return cjson.decode(string.rep('[', 1100))" 0
		eval "local c = cjson.new() c.decode_invalid_numbers(false) return c.decode('0x10')" 0
		eval "return cjson.decode()" 0
	`)
}

// cmsgpack.
func TestScriptCMsgpackDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		eval "return {cmsgpack.pack(string.rep('a', 40)):sub(1, 3), cmsgpack.pack(string.rep('a', 300)):sub(1, 4), cmsgpack.pack(1.5), cmsgpack.pack(0.1), cmsgpack.pack(-1, -33, -200, 200, 70000, 5000000000, -5000000000, -40000, -3000000000), cmsgpack.pack({1, 2, 3}), cmsgpack.pack({a = 1}), cmsgpack.pack({[1] = 1, [3] = 3}), cmsgpack.pack(nil, true, false), cmsgpack.pack(1/0), cmsgpack.pack(2^64), cmsgpack.pack({}), cmsgpack.pack(function() end)}" 0
		eval "local t = {} for i = 1, 20 do t[i] = i end return cmsgpack.pack(t):sub(1, 3)" 0
		eval "local t = {} t[1] = t return cmsgpack.pack(t)" 0
		eval "local a = {x = nil, y = 5} a.x = {x = a} local h = '' for c in cmsgpack.pack(a):gmatch('.') do h = h .. string.format('%02x', c:byte()) end return h" 0
		eval "return {cmsgpack.unpack(cmsgpack.pack(1, 2, 'x'))}" 0
		eval "local t = cmsgpack.unpack(cmsgpack.pack({1, {2, 3}, 'x'})) return t" 0
		eval "local t = cmsgpack.unpack(cmsgpack.pack({a = 'b'})) return t.a" 0
		eval "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}" 0
		eval "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1)}" 0
		eval "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2)}" 0
		eval "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}" 0
		eval "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2, 1)}" 0
		eval "return {cmsgpack.unpack(string.char(0xcf, 0, 0, 0, 1, 0, 0, 0, 0), string.char(0xd3, 255, 255, 255, 255, 255, 255, 255, 255))}" 0
		eval "return {cmsgpack.unpack(string.char(0xca, 0x3f, 0xc0, 0, 0))}" 0
		eval "return cmsgpack.unpack(string.char(0xc1))" 0
		eval "return cmsgpack.unpack(string.char(0xcd, 1))" 0
		eval "return cmsgpack.unpack(string.char(0x92, 1))" 0
		eval "return cmsgpack.unpack()" 0
		eval "return cmsgpack.pack()" 0
		eval "return {cmsgpack.unpack('')}" 0
		eval "return {cmsgpack.unpack_one('abc', 10)}" 0
		eval "return {cmsgpack.unpack_one('abc', -1)}" 0
	`)
}
