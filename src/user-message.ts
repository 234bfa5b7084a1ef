/** The one sentence a user sees for an error: explicit messages pass, anything else is generic (details go to the log). */
export function userMessageOf(err: unknown): string {
  if (err && typeof err === 'object' && 'userMessage' in err && typeof (err as { userMessage: unknown }).userMessage === 'string') {
    return (err as { userMessage: string }).userMessage;
  }
  return 'An unexpected error stopped this step. The log has the details under the correlation id below.';
}
