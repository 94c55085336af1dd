// The WebAssembly JS API as Node 20 provides it. TypeScript only declares it in lib.dom,
// which the shared tsconfig (rightly) leaves out, and @types/node does not declare it; this
// is the subset the sentry uses, with the shapes of TypeScript's lib.dom.d.ts.
declare global {
  namespace WebAssembly {
    type ImportValue = ExportValue | number | bigint;
    // biome-ignore lint/suspicious/noExplicitAny: exported functions take and return whatever the module declares.
    type ExportValue = ((...args: any[]) => unknown) | Global | Memory | Table;
    type Exports = Record<string, ExportValue>;
    type ModuleImports = Record<string, ImportValue>;
    type Imports = Record<string, ModuleImports>;
    type ValueType = 'anyfunc' | 'externref' | 'f32' | 'f64' | 'i32' | 'i64' | 'v128';
    type ImportExportKind = 'function' | 'global' | 'memory' | 'table';

    interface ModuleImportDescriptor {
      kind: ImportExportKind;
      module: string;
      name: string;
    }
    interface ModuleExportDescriptor {
      kind: ImportExportKind;
      name: string;
    }
    class Module {
      constructor(bytes: BufferSource);
      static customSections(moduleObject: Module, sectionName: string): ArrayBuffer[];
      static exports(moduleObject: Module): ModuleExportDescriptor[];
      static imports(moduleObject: Module): ModuleImportDescriptor[];
    }
    class Instance {
      constructor(module: Module, importObject?: Imports);
      readonly exports: Exports;
    }
    interface MemoryDescriptor {
      initial: number;
      maximum?: number;
      shared?: boolean;
    }
    class Memory {
      constructor(descriptor: MemoryDescriptor);
      readonly buffer: ArrayBuffer;
      grow(delta: number): number;
    }
    interface GlobalDescriptor {
      mutable?: boolean;
      value: ValueType;
    }
    class Global {
      constructor(descriptor: GlobalDescriptor, v?: unknown);
      value: unknown;
      valueOf(): unknown;
    }
    interface TableDescriptor {
      element: 'anyfunc' | 'externref';
      initial: number;
      maximum?: number;
    }
    class Table {
      constructor(descriptor: TableDescriptor, value?: unknown);
      readonly length: number;
      get(index: number): unknown;
      grow(delta: number, value?: unknown): number;
      set(index: number, value?: unknown): void;
    }
    class CompileError extends Error {}
    class LinkError extends Error {}
    class RuntimeError extends Error {}
    interface WebAssemblyInstantiatedSource {
      instance: Instance;
      module: Module;
    }
    type BufferSource = ArrayBufferView | ArrayBuffer;
    function compile(bytes: BufferSource): Promise<Module>;
    function instantiate(bytes: BufferSource, importObject?: Imports): Promise<WebAssemblyInstantiatedSource>;
    function instantiate(moduleObject: Module, importObject?: Imports): Promise<Instance>;
    function validate(bytes: BufferSource): boolean;
  }
}

export {};
