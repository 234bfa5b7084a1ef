/**
 * Context propagation across `await` for OpenTelemetry, on Node's AsyncLocalStorage: what makes an
 * ARM request span (started deep inside an SDK client's pipeline) a child of the diagnosis span.
 * The usual package for this (@opentelemetry/context-async-hooks) is not a dependency; this is the
 * same idea in the few lines the ContextManager interface needs.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

export class AsyncLocalStorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }

  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const manager = this;
    const bound = function (this: unknown, ...args: unknown[]) {
      return manager.with(ctx, () => (target as (...a: unknown[]) => unknown).apply(this, args));
    };
    return bound as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }
}

let installed = false;

/** Registers the context manager process-wide, once (the OpenTelemetry API keeps one global). */
export function installContextManager(): void {
  if (installed) return;
  // false when another manager was registered first; that one then propagates for us.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  installed = true;
}
