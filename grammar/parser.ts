/**
 * The RVBBIT statement parser (Chevrotain CstParser). One instance, reused:
 * set `.input`, call a rule, read `.errors`. Checks that need values (ranges,
 * duplicates, known keys and types) live in the AST builder, where messages
 * can name the valid choices.
 * @see ../docs/dialect.md §1
 */
import { CstParser, type IOrAlt } from 'chevrotain';
import { parserMessages } from './parser-messages.js';
import * as T from './tokens.js';

export class RvbbitParser extends CstParser {
  // Alternatives are built once: object literals with arrow functions inside a
  // rule would be re-created (and, under tsx, re-named) on every call.
  private readonly statementAlts: IOrAlt<unknown>[] = [
    { ALT: () => this.SUBRULE(this.rvbbitStatement) },
    { ALT: () => this.SUBRULE(this.explainStatement) },
    { ALT: () => this.SUBRULE(this.createStatement) },
    { ALT: () => this.SUBRULE(this.insertStatement) },
    { ALT: () => this.SUBRULE(this.copyStatement) },
  ];
  private readonly bodyAlts: IOrAlt<unknown>[] = [
    { ALT: () => this.SUBRULE(this.mapBody) },
    { ALT: () => this.SUBRULE(this.runBody) },
  ];
  private readonly modifierAlts: IOrAlt<unknown>[] = [
    {
      ALT: () => {
        this.CONSUME(T.Parallel);
        this.CONSUME(T.NumberLiteral);
      },
    },
    { ALT: () => this.CONSUME(T.Distinct) },
    {
      ALT: () => {
        this.CONSUME(T.Batch);
        this.CONSUME2(T.NumberLiteral);
      },
    },
  ];
  private readonly formatAlts: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME(T.Text) },
    { ALT: () => this.CONSUME(T.Json) },
  ];
  private readonly tempAlts: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME(T.Temp) },
    { ALT: () => this.CONSUME(T.Temporary) },
  ];
  private readonly columnList = { SEP: T.Comma, DEF: () => this.SUBRULE(this.columnDef) };
  private readonly outputAlts: IOrAlt<unknown>[] = [
    {
      ALT: () => {
        this.CONSUME(T.LParen);
        this.AT_LEAST_ONE_SEP(this.columnList);
        this.CONSUME(T.RParen);
      },
    },
    { ALT: () => this.CONSUME(T.Name) },
  ];
  private readonly nameList = { SEP: T.Comma, DEF: () => this.CONSUME(T.Name) };
  private readonly withOptionList = { SEP: T.Comma, DEF: () => this.SUBRULE(this.withOption) };
  private readonly literalAlts: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME(T.StringLiteral) },
    {
      ALT: () => {
        this.OPTION(() => this.CONSUME(T.Minus));
        this.CONSUME(T.NumberLiteral);
      },
    },
    { ALT: () => this.CONSUME(T.True) },
    { ALT: () => this.CONSUME(T.False) },
    { ALT: () => this.CONSUME(T.Null) },
  ];

  /**
   * `validate`: run Chevrotain's checks of the grammar (ambiguities, left
   * recursion…). Off by default: the grammar is fixed in code, so they say the
   * same at every start (test/grammar/definitions.test.ts runs them).
   */
  constructor(options: { readonly validate?: boolean } = {}) {
    super(T.allTokens, {
      recoveryEnabled: false,
      maxLookahead: 3,
      errorMessageProvider: parserMessages,
      skipValidations: !options.validate,
    });
    this.performSelfAnalysis();
  }

  /** One RVBBIT statement (without its `;`). */
  statement = this.RULE('statement', () => {
    this.OR(this.statementAlts);
  });

  rvbbitStatement = this.RULE('rvbbitStatement', () => {
    this.CONSUME(T.Rvbbit);
    this.OR2(this.bodyAlts);
  });

  mapBody = this.RULE('mapBody', () => {
    this.CONSUME(T.MapKw);
    this.MANY(() => this.SUBRULE(this.mapModifier));
    this.SUBRULE(this.cascadeRef);
    this.OPTION(() => this.SUBRULE(this.output));
    this.SUBRULE(this.usingClause);
    this.OPTION2(() => this.SUBRULE(this.withClause));
  });

  mapModifier = this.RULE('mapModifier', () => {
    this.OR3(this.modifierAlts);
  });

  runBody = this.RULE('runBody', () => {
    this.CONSUME(T.Run);
    this.OPTION(() => this.CONSUME(T.Async));
    this.SUBRULE(this.cascadeRef);
    this.SUBRULE(this.usingClause);
    this.OPTION2(() => this.SUBRULE(this.withClause));
  });

  explainStatement = this.RULE('explainStatement', () => {
    this.CONSUME(T.Explain);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.CONSUME(T.Format);
      this.OR4(this.formatAlts);
      this.CONSUME(T.RParen);
    });
    this.SUBRULE(this.rvbbitStatement);
  });

  createStatement = this.RULE('createStatement', () => {
    this.CONSUME(T.Create);
    this.OPTION(() => this.OR5(this.tempAlts));
    this.CONSUME(T.Table);
    this.SUBRULE(this.qualifiedName);
    this.CONSUME(T.As);
    this.CONSUME(T.Rvbbit);
    this.SUBRULE(this.mapBody);
  });

  /** `INSERT INTO name [(column, …)] RVBBIT MAP …` */
  insertStatement = this.RULE('insertStatement', () => {
    this.CONSUME(T.Insert);
    this.CONSUME(T.Into);
    this.SUBRULE(this.qualifiedName);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.AT_LEAST_ONE_SEP3(this.nameList);
      this.CONSUME(T.RParen);
    });
    this.CONSUME(T.Rvbbit);
    this.SUBRULE(this.mapBody);
  });

  /** `COPY (RVBBIT MAP …) TO 'file' [[WITH] (options)]` */
  copyStatement = this.RULE('copyStatement', () => {
    this.CONSUME(T.Copy);
    this.CONSUME(T.LParen);
    this.CONSUME(T.Rvbbit);
    this.SUBRULE(this.mapBody);
    this.CONSUME(T.RParen);
    this.CONSUME(T.To);
    this.CONSUME(T.StringLiteral);
    this.OPTION2(() => {
      this.OPTION3(() => this.CONSUME(T.With));
      this.CONSUME(T.CopyOptions);
    });
  });

  qualifiedName = this.RULE('qualifiedName', () => {
    this.CONSUME(T.Name);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.Name);
    });
  });

  cascadeRef = this.RULE('cascadeRef', () => {
    this.CONSUME(T.StringLiteral);
  });

  output = this.RULE('output', () => {
    this.CONSUME(T.As);
    this.OR6(this.outputAlts);
  });

  columnDef = this.RULE('columnDef', () => {
    this.CONSUME(T.Name);
    this.SUBRULE(this.typeRef);
  });

  /** Any word is read here; the builder says E_UNKNOWN_TYPE and lists the valid ones. */
  typeRef = this.RULE('typeRef', () => {
    this.CONSUME(T.Name);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.CONSUME(T.NumberLiteral);
      this.OPTION2(() => {
        this.CONSUME(T.Comma);
        this.CONSUME2(T.NumberLiteral);
      });
      this.CONSUME(T.RParen);
    });
  });

  usingClause = this.RULE('usingClause', () => {
    this.CONSUME(T.Using);
    this.CONSUME(T.SqlBlock);
  });

  withClause = this.RULE('withClause', () => {
    this.CONSUME(T.With);
    this.CONSUME(T.LParen);
    this.AT_LEAST_ONE_SEP2(this.withOptionList);
    this.CONSUME(T.RParen);
  });

  withOption = this.RULE('withOption', () => {
    this.CONSUME(T.Name);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.literal);
  });

  literal = this.RULE('literal', () => {
    this.OR7(this.literalAlts);
  });
}

/** The shared instance (Chevrotain parsers are built once and reused). */
export const rvbbitParser = new RvbbitParser();
