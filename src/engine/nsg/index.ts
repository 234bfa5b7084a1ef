export * from './evaluate.js';
export * from './from-arm.js';
export * from './fix-rule.js';
export { AddressFormatError } from './ipv4.js';
export { PortRangeError } from './port-ranges.js';
export { AZURE_HOST_VIRTUAL_IP } from './address-prefix.js';
