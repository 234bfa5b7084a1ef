/**
 * The result body of a VM run-command as Azure returns it (Linux RunShellScript, action
 * run-command v1): one InstanceViewStatus whose message holds the tails of stdout and stderr.
 * The extension keeps only the last 4096 bytes of each stream
 * (https://learn.microsoft.com/azure/virtual-machines/linux/run-command#restrictions), and
 * reports "Enable succeeded" whatever the script's exit status. The message is the extension's
 * own `fmt.Sprintf("\n[stdout]\n%s\n[stderr]\n%s", stdoutTail, stderrTail)` after the status
 * text (Azure/run-command-extension-linux, main/cmds.go, enable): no newline after stderr.
 */

export const RUN_COMMAND_OUTPUT_LIMIT = 4096;

/** The last `limit` bytes of a UTF-8 text (a multi-byte character cut in half becomes U+FFFD, as on Azure). */
export function lastBytes(text: string, limit = RUN_COMMAND_OUTPUT_LIMIT): string {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length <= limit ? text : bytes.subarray(bytes.length - limit).toString('utf8');
}

export function runCommandEnvelope(stdout: string, stderr: string): { value: Array<Record<string, string>> } {
  return {
    value: [
      {
        code: 'ProvisioningState/succeeded',
        level: 'Info',
        displayStatus: 'Provisioning succeeded',
        message: `Enable succeeded: \n[stdout]\n${lastBytes(stdout)}\n[stderr]\n${lastBytes(stderr)}`,
      },
    ],
  };
}

/** Windows (RunPowerShellScript) reports the two streams as separate statuses. */
export function windowsRunCommandEnvelope(stdout: string, stderr: string): { value: Array<Record<string, string>> } {
  return {
    value: [
      { code: 'ComponentStatus/StdOut/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', message: lastBytes(stdout) },
      { code: 'ComponentStatus/StdErr/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', message: lastBytes(stderr) },
    ],
  };
}
