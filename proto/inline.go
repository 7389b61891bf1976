package proto

// splitArgs splits an inline request line into arguments exactly like Redis's
// sdssplitargs: blanks separate arguments, "double quotes" understand \n \r \t
// \b \a \xHH and a backslash before any other byte, 'single quotes' only \',
// a quote may open in the middle of an argument, and a closing quote must be
// followed by a blank or the end of the line.
//
// Arguments without quotes alias line; the others are unescaped into
// p.scratch. Unlike Redis, which stops at a NUL byte (it never gets here with
// one: its line search stops at NUL too), NUL is ordinary data.
func (p *Parser) splitArgs(line []byte, out [][]byte) ([][]byte, error) {
	// Unescaping never lengthens the text, so scratch sized to the line is
	// never reallocated while earlier arguments point into it.
	p.scratch = p.scratch[:0]
	sized := false
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			return out, nil
		}
		start := i
		for i < len(line) && !endsToken(line[i]) && line[i] != '"' && line[i] != '\'' {
			i++
		}
		if i == len(line) || endsToken(line[i]) {
			out = append(out, line[start:i:i])
			continue
		}

		if !sized {
			if cap(p.scratch) < len(line) {
				p.scratch = make([]byte, 0, len(line))
			}
			sized = true
		}
		from := len(p.scratch)
		p.scratch = append(p.scratch, line[start:i]...)
		var ok bool
		if line[i] == '"' {
			i, ok = p.unquoteDouble(line, i+1)
		} else {
			i, ok = p.unquoteSingle(line, i+1)
		}
		if !ok {
			return out, errUnbalancedQuotes
		}
		to := len(p.scratch)
		out = append(out, p.scratch[from:to:to])
	}
}

// unquoteDouble appends the body of a double-quoted section starting at i to
// p.scratch and returns the index after the closing quote.
func (p *Parser) unquoteDouble(line []byte, i int) (int, bool) {
	for i < len(line) {
		c := line[i]
		switch {
		case c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
			p.scratch = append(p.scratch, unhex(line[i+2])<<4|unhex(line[i+3]))
			i += 4
		case c == '\\' && i+1 < len(line):
			switch c = line[i+1]; c {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'a':
				c = '\a'
			}
			p.scratch = append(p.scratch, c)
			i += 2
		case c == '"':
			return closeQuote(line, i)
		default:
			p.scratch = append(p.scratch, c)
			i++
		}
	}
	return i, false
}

// unquoteSingle is unquoteDouble for single quotes, where only \' is an
// escape.
func (p *Parser) unquoteSingle(line []byte, i int) (int, bool) {
	for i < len(line) {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line) && line[i+1] == '\'':
			p.scratch = append(p.scratch, '\'')
			i += 2
		case c == '\'':
			return closeQuote(line, i)
		default:
			p.scratch = append(p.scratch, c)
			i++
		}
	}
	return i, false
}

// closeQuote checks what follows the closing quote at i: Redis rejects
// `"a"b` rather than guess whether it means one argument or two.
func closeQuote(line []byte, i int) (int, bool) {
	i++
	return i, i == len(line) || isSpace(line[i])
}

// isSpace is C's isspace in the C locale, which sdssplitargs uses to skip
// blanks between arguments.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// endsToken lists the bytes that end an unquoted argument in sdssplitargs: a
// narrower set than isSpace, so "a\vb" is a single argument.
func endsToken(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}
