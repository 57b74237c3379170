// Word-reading modes of the lexer: where a word stands decides which characters end it.

/** What ends a word: where it stands decides which characters are special. */
export const enum WordMode {
  /** Command words: shell metacharacters. */
  Normal,
  /** Inside [[ ]]: like Normal, but < and > are word characters. */
  Test,
  /** Inside "…". */
  DoubleQuoted,
  /** Heredoc body: runs to the limit, quotes are literal. */
  Heredoc,
  /** Operand of ${X:-…}: ends at }. */
  ParamArg,
  /** Pattern of ${X/pat/rep}: ends at / or }. */
  ParamPattern,
  /** Offset of ${X:off:len}: ends at : or }. */
  ParamOffset,
  /** A[…]: ends at ]. */
  Subscript,
  /** $(( … )): ends at the ) that closes depth 0. */
  Arith,
  /** $[ … ]: ends at ]. */
  ArithBracket,
}
