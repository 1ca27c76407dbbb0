import {
  ERRORS,
  isCompositeType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isValidLeafValue,
  typenameFieldName,
  Variable,
  type EnumType,
  type Operation,
  type ScalarType,
  type OperationElement,
  type Schema,
  type SelectionSet,
  type Type,
} from '@apollo/federation-internals';
import type { GraphQLError } from 'graphql';
import { getOwn, isResponseObject, type ResponseObject } from './response-tree';
import type { TypeConditions } from './type-conditions';

/** An operation the projection cannot shape by itself (introspection is executed by graphql-js in Apollo's). */
export class UnsupportedOperation extends Error {
  override readonly name = 'UnsupportedOperation';
}

/**
 * A value the schema rules out where the executor cannot null it: subgraph data in the wrong shape (a list where an
 * object belongs, say), or a `@skip`/`@include` variable that is not a boolean. The request fails with its message,
 * as it does in Apollo's executor.
 */
export class UnexpectedValue extends Error {
  override readonly name = 'UnexpectedValue';
}

type Variables = Record<string, unknown>;
/** True when a `@skip`/`@include` pair drops the selection for these variables. */
type SkipTest = (variables: Variables) => boolean;

type Shape =
  | { kind: 'nonNull'; of: Shape; display: string }
  | { kind: 'list'; of: Shape; display: string }
  | { kind: 'composite'; name: string; steps: Step[]; display: string }
  | { kind: 'leaf'; type: ScalarType | EnumType; display: string };

type Step =
  | { kind: 'typename'; responseName: string; skip: SkipTest | null }
  | { kind: 'field'; responseName: string; shape: Shape; hasSelections: boolean; skip: SkipTest | null }
  | { kind: 'fragment'; condition: string | null; steps: Step[]; skip: SkipTest | null };

/**
 * The shape of an operation's response, compiled once per operation and plan: which keys to copy from the tree the
 * fetches wrote, under which alias, for which runtime types, and where a null must propagate. Running it copies the
 * selected values out of that tree and checks them against the schema, with `@apollo/gateway`'s rules and error
 * messages, without looking anything up in the schema per value.
 */
export class Projection {
  private constructor(
    private readonly rootType: string,
    private readonly steps: Step[],
    private readonly defaults: Variables,
    private readonly types: TypeConditions,
  ) {}

  static compile(operation: Operation, types: TypeConditions): Projection {
    const schema = operation.schema();
    const root = schema.schemaDefinition.rootType(operation.rootKind);
    if (!root) throw new UnsupportedOperation(`The schema has no ${operation.rootKind} type`);
    return new Projection(root.name, compileSteps(operation.selectionSet, schema), operation.collectDefaultedVariableValues() as Variables, types);
  }

  /** The response data and the values that broke the schema (they never reach the client as errors of their own). */
  run(tree: ResponseObject, variables: Variables | undefined): { data: ResponseObject | null; errors: GraphQLError[] } {
    const run = new ProjectionRun({ ...this.defaults, ...variables }, this.types);
    const data = Object.create(null) as ResponseObject;
    const bubbled = run.apply(tree, this.steps, data, [], this.rootType);
    return { data: bubbled ? null : data, errors: run.errors };
  }
}

function skipTest(element: OperationElement, schema: Schema): SkipTest | null {
  const skip = element.appliedDirectivesOf(schema.skipDirective())[0]?.arguments().if;
  const include = element.appliedDirectivesOf(schema.includeDirective())[0]?.arguments().if;
  if (skip === undefined && include === undefined) return null;
  const read = (value: unknown, variables: Variables): boolean => {
    if (!(value instanceof Variable)) return value === true;
    const given = variables[value.name];
    if (typeof given !== 'boolean') throw new UnexpectedValue(`Unexpected value ${String(given)} for variable $${value.name}`);
    return given;
  };
  return (variables) => (skip !== undefined && read(skip, variables)) || (include !== undefined && !read(include, variables));
}

function compileShape(type: Type, selections: SelectionSet | undefined, schema: Schema): Shape {
  if (isNonNullType(type)) return { kind: 'nonNull', of: compileShape(type.ofType as Type, selections, schema), display: type.toString() };
  if (isListType(type)) return { kind: 'list', of: compileShape(type.ofType as Type, selections, schema), display: type.toString() };
  if (isCompositeType(type)) {
    if (!selections) throw new UnsupportedOperation(`Invalid empty selection set for composite type ${type.name}`);
    return { kind: 'composite', name: type.name, steps: compileSteps(selections, schema), display: type.name };
  }
  if (!isLeafType(type)) throw new UnsupportedOperation(`Unexpected output type ${type.toString()}`);
  return { kind: 'leaf', type, display: type.name };
}

function compileSteps(selectionSet: SelectionSet, schema: Schema): Step[] {
  return selectionSet.selections().map((selection): Step => {
    const skip = skipTest(selection.element, schema);
    if (selection.kind === 'FieldSelection') {
      const field = selection.element;
      if (field.definition.isSchemaIntrospectionField()) throw new UnsupportedOperation('introspection');
      if (field.name === typenameFieldName) return { kind: 'typename', responseName: field.responseName(), skip };
      const nested = selection.selectionSet;
      return {
        kind: 'field',
        responseName: field.responseName(),
        shape: compileShape(field.definition.type as Type, nested, schema),
        hasSelections: nested !== undefined,
        skip,
      };
    }
    return { kind: 'fragment', condition: selection.element.typeCondition?.name ?? null, steps: compileSteps(selection.selectionSet, schema), skip };
  });
}

/** Where a value sits, as Apollo words it in value-completion errors. */
function describe(path: readonly (string | number)[], display: string, parentType: string): string {
  const element = path[path.length - 1];
  return typeof element === 'string' ? `field ${parentType}.${element}` : `array element of type ${display} at index ${String(element)}`;
}

class ProjectionRun {
  readonly errors: GraphQLError[] = [];
  /** Set by `complete`: the value must null its parent (a non-null field or element came out null). */
  private invalid = false;
  /** Set by `complete`: an error was recorded below, so no second one is recorded for the same null. */
  private failed = false;

  constructor(
    private readonly variables: Variables,
    private readonly types: TypeConditions,
  ) {}

  private fail(message: string, path: readonly (string | number)[]): void {
    this.errors.push(ERRORS.INVALID_GRAPHQL.err(message, { path: [...path] }));
  }

  /** Copies the selections `steps` of `input` into `output`; true when a null must replace `output` itself. */
  apply(input: ResponseObject, steps: readonly Step[], output: ResponseObject, path: (string | number)[], parentType: string): boolean {
    for (const step of steps) {
      if (step.skip?.(this.variables)) continue;
      switch (step.kind) {
        case 'typename': {
          if (output[step.responseName] !== undefined) break;
          let value = getOwn(input, step.responseName) ?? null;
          if (value === null && step.responseName !== typenameFieldName) value = input[typenameFieldName] ?? null;
          const name = typeof value === 'string' && this.types.schema.type(value) ? value : parentType;
          const type = this.types.schema.type(name);
          if (!type || !isObjectType(type)) return true;
          output[step.responseName] = name;
          break;
        }
        case 'field': {
          path.push(step.responseName);
          output[step.responseName] = this.complete(
            output[step.responseName],
            step.shape,
            step.hasSelections,
            getOwn(input, step.responseName) ?? null,
            path,
            parentType,
          );
          path.pop();
          if (this.invalid) return true;
          break;
        }
        case 'fragment': {
          const typename = input[typenameFieldName];
          // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the message is Apollo's, which prints the subgraph's value as it is
          if (typename !== undefined && typeof typename !== 'string') throw new UnexpectedValue(`Got unexpected value for __typename: ${String(typename)}`);
          const applies = step.condition === null || this.types.applies(step.condition, typename ? typename : parentType);
          if (applies && this.apply(input, step.steps, output, path, step.condition ?? parentType)) return true;
          break;
        }
      }
    }
    return false;
  }

  private complete(output: unknown, shape: Shape, hasSelections: boolean, input: unknown, path: (string | number)[], parentType: string): unknown {
    this.invalid = false;
    this.failed = false;
    if (output === null || (output !== undefined && !hasSelections)) return output;
    switch (shape.kind) {
      case 'nonNull': {
        const value = this.complete(output, shape.of, hasSelections, input, path, parentType);
        if (value !== null) {
          this.invalid = false;
          this.failed = false;
          return value;
        }
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- this.complete() above sets this.failed; TypeScript keeps the narrowing from the reset at the top (microsoft/TypeScript#9998)
        if (!this.failed) this.fail(`Cannot return null for non-nullable ${describe(path, shape.of.display, parentType)}.`, path);
        this.invalid = true;
        this.failed = true;
        return null;
      }
      case 'list': {
        if (input === null) return null;
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the message is Apollo's, which prints the subgraph's value as it is
        if (!Array.isArray(input)) throw new UnexpectedValue(`Invalid non-list value ${String(input)} returned by subgraph for list type ${shape.display}`);
        if (output !== undefined && (!Array.isArray(output) || output.length !== input.length))
          throw new UnexpectedValue(`Invalid list value returned by subgraph for list type ${shape.display}`);
        let nullify = false;
        let failed = false;
        const values = new Array<unknown>(input.length);
        for (let index = 0; index < input.length; index++) {
          path.push(index);
          values[index] = this.complete(
            output === undefined ? undefined : (output as unknown[])[index],
            shape.of,
            hasSelections,
            input[index] ?? null,
            path,
            parentType,
          );
          path.pop();
          nullify ||= this.invalid;
          failed ||= this.failed;
        }
        this.invalid = false;
        this.failed = failed;
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- nullify takes this.invalid as each this.complete() left it; TypeScript keeps the reset's narrowing (microsoft/TypeScript#9998)
        return nullify ? null : values;
      }
      case 'composite': {
        if (input === null) return null;
        if (typeof input !== 'object' || (output !== undefined && typeof output !== 'object')) {
          // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the message is Apollo's, which prints the subgraph's value as it is
          throw new UnexpectedValue(`Invalid non-object value ${String(input)} returned by subgraph for composite type ${shape.display}`);
        }
        const record = input as ResponseObject;
        const typename = record[typenameFieldName];
        if (typename !== undefined && typeof typename !== 'string') {
          // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the message is Apollo's, which prints the subgraph's value as it is
          throw new UnexpectedValue(`Invalid non-string value ${String(typename)} for __typename at ${path.join(',')}`);
        }
        let runtime = shape.name;
        if (typename) {
          if (!this.types.composite(typename)) {
            this.fail(`Invalid __typename found for object at ${describe(path, shape.display, parentType)}.`, path);
            this.failed = true;
            return null;
          }
          runtime = typename;
        }
        const target = (output as ResponseObject | undefined) ?? (Object.create(null) as ResponseObject);
        const bubbled = this.apply(isResponseObject(record) ? record : (Object.create(null) as ResponseObject), shape.steps, target, path, runtime);
        this.invalid = false;
        this.failed = bubbled;
        return bubbled ? null : target;
      }
      case 'leaf': {
        if (input === null) return null;
        const valid = isValidLeafValue(this.types.schema, input, shape.type);
        if (!valid) {
          this.fail(`Invalid value found for ${describe(path, shape.display, parentType)}.`, path);
          this.failed = true;
          return null;
        }
        return input;
      }
    }
  }
}
