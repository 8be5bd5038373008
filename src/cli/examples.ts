/**
 * One worked example per `avs` command, printed at the end of its `--help`. Keyed by the command's path below `avs`.
 * Commands that declare their own example keep it.
 */
export const COMMAND_EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  devnet: ['avs devnet --operators 4 --remote-chains 1      # until Ctrl-C; writes .avs/devnet.json'],
  demo: ['avs demo --json | jq .verifications'],
  'state set': ['AVS_PRIVATE_KEY=0x… avs state set 1 42 --chain 31338'],
  'state get': ['avs state get 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 1 --chain 31338 --block 11 --json'],
  'proof request': ['avs proof request --chain 31338 --user 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --key 1 --block 11 --wait'],
  'proof get': ['avs proof get 0x3c3a…36cd --json'],
  'proof verify': ['avs proof verify 0x3c3a…36cd --chain 31338        # exit 0 only when isValidSignature returns 0x1626ba7e'],
  'operator register': [
    'avs operator register --ecdsa-keystore ~/.eigenlayer/operator_keys/op.ecdsa.key.json \\',
    '  --signing-key 0x1234…abcd --deployment sepolia.json',
    '# through an appointee: the operator signs apart, the appointee sends',
    'avs operator register --ecdsa-keystore ./appointee.ecdsa.key.json --operator 0xYourOperator \\',
    '  --registration-signature ./registration.json --signing-key 0x1234…abcd --deployment sepolia.json',
  ],
  'operator sign-registration': [
    'avs operator sign-registration --ecdsa-keystore ~/.eigenlayer/operator_keys/op.ecdsa.key.json --out registration.json --deployment sepolia.json',
  ],
  'operator deregister': ['avs operator deregister --ecdsa-keystore ~/.eigenlayer/operator_keys/op.ecdsa.key.json --deployment sepolia.json'],
  'operator run': [
    'avs operator run --operator 0xYourOperator --ecdsa-keystore ~/.eigenlayer/operator_keys/signer.ecdsa.key.json \\',
    '  --password-file ./pw --rpc 11155111=https://sepolia.example 84532=https://base-sepolia.example --node-api-port 9090',
    'avs operator run --config operator.json        # the same from a file (docs/configuration.md)',
  ],
  'operator keys create': ['avs operator keys create --type ecdsa --name signer'],
  'operator keys import': ['avs operator keys import --type ecdsa --name old --key-file ./old.key'],
  'operator keys list': ['avs operator keys list --json'],
  'operator keys show': ['avs operator keys show signer --type ecdsa --json'],
  'aggregator run': [
    'DATABASE_URL=postgres://avs@db/avs avs aggregator run --host 0.0.0.0 --port 8080 --deployment mainnet.json \\',
    '  --publisher-keystore publisher.ecdsa.key.json --rewards-token 0xToken --rewards-per-epoch 1000000000000000000000',
    'avs aggregator run --config aggregator.json      # the same from a file (docs/configuration.md)',
  ],
  'multi-prover aggregator run': [
    'avs multi-prover aggregator run --port 8090 --confirmer-keystore confirmer.ecdsa.key.json --every-blocks 10 --deployment mainnet.json',
    'avs multi-prover aggregator run --config multi-prover-aggregator.json      # the same from a file (docs/configuration.md)',
  ],
  'multi-prover task request': ['avs multi-prover task request --chain 31338 --block 120 --wait --json | jq .confirmation.txHash'],
  'multi-prover task get': ['avs multi-prover task get 0x5b1e…9a02 --json'],
  'multi-prover quote verify': [
    'avs multi-prover quote verify sgx_quote --collateral sgx_quote_collateral.json --at 2025-07-01T00:00:00Z',
    "avs multi-prover quote verify sgx_quote --on-chain --deployment mainnet.json      # the deployment's verifier, latest block",
  ],
  'multi-prover collateral submit': [
    'avs multi-prover collateral submit --collateral sgx_quote_collateral.json --ecdsa-keystore submitter.ecdsa.key.json --deployment mainnet.json',
  ],
  'multi-prover collateral status': ['avs multi-prover collateral status --fmspc 00A067110000 --tee sgx --json'],
  'multi-prover operator register': [
    'avs multi-prover operator register --ecdsa-keystore ~/.eigenlayer/operator_keys/op.ecdsa.key.json \\',
    '  --bls-keystore ~/.eigenlayer/operator_keys/op.bls.key.json --quorums 0,1 --deployment mainnet.json',
    'avs multi-prover operator register --devnet-operator 0 --quorums 0 --json      # a local devnet: already registered, sends nothing',
  ],
  'multi-prover operator attest': ['avs multi-prover operator attest --devnet-operator 0 --replace --json | jq .liveUntil'],
  'multi-prover operator run': [
    'avs multi-prover operator run --operator 0xYourOperator --bls-keystore ~/.eigenlayer/operator_keys/op.bls.key.json \\',
    '  --liveness-keystore ./liveness.ecdsa.key.json --password-file ./pw --rpc 1=https://eth.example --node-api-port 9091',
    'avs multi-prover operator run --config multi-prover-operator.json      # the same from a file (docs/configuration.md)',
  ],
  'automation operator generate': ['avs automation operator generate --name exec1 --password-file ./pw --json'],
  'automation operator register': [
    'avs automation operator register --ecdsa-keystore ~/.eigenlayer/operator_keys/op.ecdsa.key.json \\',
    '  --signing-key ~/.eigenlayer/operator_keys/exec1-signing.ecdsa.key.json --magnitude 25% --deployment mainnet.json',
  ],
  'automation operator set-signer': [
    'avs automation operator set-signer 0x90F79bf6EB2c4f870365E785982E1f101E93b906 --ecdsa-keystore ~/.eigenlayer/operator_keys/op.ecdsa.key.json',
  ],
  'automation operator activate': [
    'avs automation operator activate --ecdsa-keystore ~/.eigenlayer/operator_keys/exec1-signer.ecdsa.key.json --operator 0xYourOperator',
  ],
  'automation operator deactivate': [
    'avs automation operator deactivate --ecdsa-keystore ~/.eigenlayer/operator_keys/op.ecdsa.key.json      # from the next arrangement',
  ],
  'automation operator run': [
    'avs automation operator run --operator 0xYourOperator --signing-keystore ~/.eigenlayer/operator_keys/exec1-signing.ecdsa.key.json \\',
    '  --execution-keystore ~/.eigenlayer/operator_keys/exec1-signer.ecdsa.key.json --rpc 1=https://eth.example --ws wss://eth.example --node-api-port 9291',
    'avs automation operator run --devnet-operator 0 --aggregator http://127.0.0.1:8100 --node-api-port 9291      # a local devnet',
    'avs automation operator run --config automation-operator.json      # the same from a file (docs/configuration.md)',
  ],
  'automation aggregator run': [
    'avs automation aggregator run --port 8100 --submitter-keystore submitter.ecdsa.key.json --deployment mainnet.json',
    'avs automation aggregator run --devnet-submitter 6      # a local devnet (`avs devnet --no-services`)',
    'avs automation aggregator run --config automation-aggregator.json      # the same from a file (docs/configuration.md)',
  ],
  'automation operator deregister': ['avs automation operator deregister --ecdsa-keystore ~/.eigenlayer/operator_keys/op.ecdsa.key.json --json'],
  'automation workflow register': [
    'avs automation workflow register --ecdsa-keystore ./vault.ecdsa.key.json --target 0xTarget --calldata 0xd09de08a \\',
    '  --max-gas-limit 200000 --max-gas-price 30gwei --every 3600 --start now --deposit 0.1 --json | jq .id',
    'avs automation workflow register --key 0x… --target 0xTarget --max-gas-limit 300000 --max-gas-price 20gwei \\',
    '  --checker 0xResolver --check-data 0x6e04ff0d      # a condition trigger',
  ],
  'automation workflow cancel': ['avs automation workflow cancel 3 --ecdsa-keystore ./vault.ecdsa.key.json'],
  'automation workflow deposit': ['avs automation workflow deposit 0.5 --vault 0xVault --ecdsa-keystore ./payer.ecdsa.key.json'],
  'automation workflow withdraw': ['avs automation workflow withdraw 0.2 --ecdsa-keystore ./vault.ecdsa.key.json --json'],
  'automation workflow list': ['avs automation workflow list --vault 0xVault --json'],
  'automation workflow show': ['avs automation workflow show 0xVault 0 --json | jq .dueNow'],
  'automation executors': ['avs automation executors --count 16 --json | jq \'.slots[] | [.slot, .executor]\''],
  'preconf operator register': [
    'avs preconf operator register --ecdsa-keystore ~/.eigenlayer/operator_keys/op.ecdsa.key.json \\',
    '  --delegate-key 0x90F79bf6EB2c4f870365E785982E1f101E93b906 --chains 1,8453 --deployment mainnet.json',
  ],
  'preconf operator commitment set': [
    'avs preconf operator commitment set --chains 1,8453,10 --ecdsa-keystore ~/.eigenlayer/operator_keys/op.ecdsa.key.json --json | jq .validFromBlock',
  ],
  'preconf operator commitment update': ['avs preconf operator commitment update --ecdsa-keystore ~/.eigenlayer/operator_keys/op.ecdsa.key.json'],
  'preconf operator validators register': [
    'avs preconf operator validators register --pod-owner 0xPodOwner 0xa99a76ed7796f7be22d5b7e85deeb7c5677e88e511e0b337618f8c4eb61349b4bf2d153f649f7b53359fe8b94a38e44c \\',
    '  --ecdsa-keystore ~/.eigenlayer/operator_keys/op.ecdsa.key.json',
  ],
  'preconf operator validators deregister': [
    'avs preconf operator validators deregister 0x5b3c…e0f1 --ecdsa-keystore ./anyone.ecdsa.key.json      # a validator that exited: anyone may',
  ],
  'preconf operator deregister start': ['avs preconf operator deregister start --ecdsa-keystore ~/.eigenlayer/operator_keys/op.ecdsa.key.json'],
  'preconf operator deregister finish': ['avs preconf operator deregister finish --ecdsa-keystore ~/.eigenlayer/operator_keys/op.ecdsa.key.json --json'],
  'preconf operator show': ['avs preconf operator show 0xYourOperator --json | jq .pending'],
  'preconf validator show': ['avs preconf validator show 1234567 --deployment mainnet.json      # or its 48-byte pubkey, or its pubkey hash'],
  'preconf chains': ['avs preconf chains --json | jq \'.chains[] | [.position, .chainId]\''],
  'preconf lookahead': ['avs preconf lookahead --gateway http://127.0.0.1:8110 --chain-id 8453'],
  'preconf gateway run': [
    'avs preconf gateway run --beacon-url http://127.0.0.1:5052 --delegate-keystore ./delegate.ecdsa.key.json --delegate-password-file ./pw --deployment mainnet.json',
    'avs preconf gateway run --devnet-delegate-key      # a local devnet: its beacon node and delegate key',
    'avs preconf gateway run --config preconf-gateway.json      # the same from a file (docs/configuration.md)',
  ],
  'rewards split': ['avs rewards split --epoch 12 --budget 1000000000000000000000 --json'],
  'rewards submit': ['avs rewards submit --epoch 12 --budget 1000000000000000000000 --token 0xToken --ecdsa-keystore ./publisher.ecdsa.key.json --dry-run'],
};

/** The help text block for `examples`. */
export function formatExamples(lines: readonly string[]): string {
  return `\nExample:\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
}
