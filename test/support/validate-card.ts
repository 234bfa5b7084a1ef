/**
 * Validates an Adaptive Card the way the clients will see it, without a DOM:
 *  (a) the official renderer's object model (adaptivecards 3) parses it and reports what it would drop
 *      or misread (unknown element/action types, invalid enum values, duplicate ids, bad version);
 *  (b) the Adaptive Card 1.5 JSON schema, vendored verbatim in test/schemas (see its README);
 *  (c) this project's limits for Teams: version 1.5 (the newest Teams renders) and under 28 KB of
 *      UTF-8 JSON. Teams' documented bot message limit (format-your-bot-messages) covers the whole
 *      activity measured as UTF-16 and has moved (28 KB, 40 KB, 100 KB); 28 KB is the project's figure.
 * Plus one cross-check neither (a) nor (b) does: every Action.ToggleVisibility target exists.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import draft6MetaSchema from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };

/** The project's ceiling for one card (see (c) above). */
export const TEAMS_CARD_LIMIT_BYTES = 28 * 1024;
export const CARD_VERSION = '1.5';

export interface CardValidation {
  errors: string[];
}

// `require('adaptivecards')` resolves to lib/ (ES modules without extensions) and fails in Node;
// the webpack bundle in dist/ loads fine and never touches the DOM until render().
const requireCjs = createRequire(import.meta.url);

interface AcValidationEvent {
  event: number;
  message: string;
}
interface AcModule {
  AdaptiveCard: new () => {
    parse(json: unknown, context?: unknown): void;
    validateProperties(): { allIds: Record<string, number>; validationEvents: AcValidationEvent[] };
  };
  SerializationContext: new () => { targetVersion: unknown; eventCount: number; getEventAt(i: number): AcValidationEvent };
  ValidationEvent: Record<number, string>;
  Versions: { v1_5: unknown };
}
const AC = requireCjs('adaptivecards/dist/adaptivecards.js') as AcModule;

// ajv-formats is CommonJS with a default export; under NodeNext the default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;

let schemaValidator: ValidateFunction | undefined;
let schemaDefinitions = new Set<string>();
/** The definition objects by identity, to tell which shared base an error came from. */
let definitionNames = new Map<unknown, string>();

function loadSchemaValidator(): ValidateFunction {
  if (schemaValidator) return schemaValidator;
  const schema = JSON.parse(
    readFileSync(new URL('../schemas/adaptive-card-1.5.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  // The schema names draft-06 but uses draft-04's `id`; Ajv 8 only knows `$id`. Adapt in memory, so
  // the vendored file stays byte-for-byte the published one.
  const { id, ...rest } = schema;
  const adapted: Record<string, unknown> = { ...rest, $id: id };
  schemaDefinitions = new Set(Object.keys(schema.definitions as object));
  definitionNames = new Map(Object.entries(schema.definitions as object).map(([name, def]) => [def, name]));
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, validateSchema: true });
  ajv.addMetaSchema(draft6MetaSchema);
  // Annotations the schema carries for its own tooling (min card version, feature ids); not assertions.
  ajv.addVocabulary(['version', 'features', 'example']);
  addFormats(ajv);
  schemaValidator = ajv.compile(adapted as object);
  return schemaValidator;
}

/** The value at a JSON pointer (Ajv's instancePath) inside the card. */
function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function parentPointer(pointer: string): string {
  return pointer.slice(0, Math.max(0, pointer.lastIndexOf('/')));
}

function typeAt(root: unknown, pointer: string): string | undefined {
  const v = valueAt(root, pointer);
  return v && typeof v === 'object' && typeof (v as { type?: unknown }).type === 'string' ? (v as { type: string }).type : undefined;
}

/** With `verbose`, Ajv hands back the schema object an error came from: which anyOf branch (element type) it is. */
function branchTypeOf(e: ErrorObject): string | undefined {
  const parent = e.parentSchema as { properties?: { type?: { enum?: unknown[] } }; enum?: unknown[] } | undefined;
  const fromType = parent?.properties?.type?.enum?.[0];
  if (typeof fromType === 'string') return fromType;
  // An error on `type` itself: the parent schema is `{ "enum": ["TextBlock"] }`.
  if (e.keyword === 'enum' && e.instancePath.endsWith('/type') && typeof parent?.enum?.[0] === 'string') return parent.enum[0];
  // The base every input shares (it requires `id`) is reached through each Input.* branch only.
  if (definitionNames.get(e.parentSchema) === 'Extendable.Input') return 'Input.*';
  return undefined;
}

/**
 * The schema says "an element is anyOf(ActionSet, ColumnSet, Container, …)", so Ajv reports why the
 * element failed *every* branch. Only the branch named by the element's own `type` holds the real
 * mistake: keep errors from that branch (and from shared definitions such as Colors or Spacing), and
 * say "unknown type" once when no branch has the element's type.
 */
function summariseSchemaErrors(card: unknown, errors: ErrorObject[], definitions: Set<string>): string[] {
  const lines: string[] = [];
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'allOf') continue;
    const owner = e.instancePath.endsWith('/type') ? parentPointer(e.instancePath) : e.instancePath;
    const ownerType = typeAt(card, owner);
    if (ownerType !== undefined && !definitions.has(ownerType)) {
      lines.push(`schema: ${owner || '/'} has unknown type "${ownerType}"`);
      continue;
    }
    const branch = branchTypeOf(e);
    const inBranch = branch === 'Input.*' ? ownerType?.startsWith('Input.') : branch === ownerType;
    if (branch !== undefined && ownerType !== undefined && !inBranch) continue;
    const params = e.params as { additionalProperty?: string; allowedValues?: unknown };
    const extra =
      e.keyword === 'additionalProperties'
        ? ` ("${String(params.additionalProperty)}")`
        : e.keyword === 'enum'
          ? ` ${JSON.stringify(params.allowedValues)}`
          : '';
    lines.push(`schema: ${e.instancePath || '/'}${ownerType ? ` (${ownerType})` : ''} ${e.message ?? e.keyword}${extra}`);
  }
  if (lines.length === 0 && errors.length > 0) {
    // Nothing survived the filter: fall back to Ajv's own words rather than report nothing.
    lines.push(...errors.map((e) => `schema: ${e.instancePath || '/'} ${e.message ?? e.keyword}`));
  }
  return [...new Set(lines)];
}

function parserErrors(card: object): { errors: string[]; ids: Set<string> } {
  const errors: string[] = [];
  const acCard = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  context.targetVersion = AC.Versions.v1_5;
  try {
    acCard.parse(card, context);
  } catch (err) {
    return { errors: [`renderer: parse threw ${(err as Error).message}`], ids: new Set() };
  }
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    errors.push(`renderer: ${AC.ValidationEvent[e.event] ?? e.event}: ${e.message}`);
  }
  const results = acCard.validateProperties();
  for (const e of results.validationEvents) errors.push(`renderer: ${AC.ValidationEvent[e.event] ?? e.event}: ${e.message}`);
  return { errors, ids: new Set(Object.keys(results.allIds)) };
}

/** Every Action.ToggleVisibility anywhere in the card, with its targets. */
function toggleTargets(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) toggleTargets(item, found);
  } else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.type === 'Action.ToggleVisibility' && Array.isArray(o.targetElements)) {
      for (const t of o.targetElements) {
        if (typeof t === 'string') found.push(t);
        else if (t && typeof t === 'object' && typeof (t as { elementId?: unknown }).elementId === 'string') {
          found.push((t as { elementId: string }).elementId);
        }
      }
    }
    for (const v of Object.values(o)) toggleTargets(v, found);
  }
  return found;
}

export function cardSizeBytes(card: object): number {
  return Buffer.byteLength(JSON.stringify(card), 'utf8');
}

/**
 * Teams' one documented card-level extension the 1.5 schema does not know: `msteams: { width: "Full" }`
 * ("Full width Adaptive Card", https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format#full-width-adaptive-card).
 * Checked here for its one allowed shape, then left out of the schema check; anything else in it is an error.
 */
function withoutTeamsExtensions(card: Record<string, unknown>, errors: string[]): Record<string, unknown> {
  if (!('msteams' in card)) return card;
  const { msteams, ...rest } = card;
  const ext = msteams as Record<string, unknown> | undefined;
  if (!ext || typeof ext !== 'object' || Object.keys(ext).some((k) => k !== 'width') || ext.width !== 'Full') {
    errors.push(`card: msteams must be { "width": "Full" }, got ${JSON.stringify(msteams)}`);
  }
  return rest;
}

export function validateCard(card: object): CardValidation {
  const errors: string[] = [];
  const c = card as Record<string, unknown>;

  if (c.type !== 'AdaptiveCard') errors.push(`card: type is ${JSON.stringify(c.type)}, expected "AdaptiveCard"`);
  if (c.version !== CARD_VERSION) errors.push(`card: version is ${JSON.stringify(c.version)}, expected "${CARD_VERSION}"`);
  const size = cardSizeBytes(card);
  if (size >= TEAMS_CARD_LIMIT_BYTES) errors.push(`card: ${size} bytes, Teams' limit is ${TEAMS_CARD_LIMIT_BYTES}`);

  const parsed = parserErrors(card);
  errors.push(...parsed.errors);
  for (const target of toggleTargets(card)) {
    if (!parsed.ids.has(target)) errors.push(`card: Action.ToggleVisibility targets "${target}", which no element has as id`);
  }

  const validate = loadSchemaValidator();
  const forSchema = withoutTeamsExtensions(c, errors);
  if (!validate(forSchema)) errors.push(...summariseSchemaErrors(forSchema, validate.errors ?? [], schemaDefinitions));

  return { errors };
}

/** Throws with every problem listed; for tests. */
export function expectValidCard(card: object): void {
  const { errors } = validateCard(card);
  if (errors.length > 0) {
    throw new Error(`Invalid Adaptive Card (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n  - ${errors.join('\n  - ')}`);
  }
}
