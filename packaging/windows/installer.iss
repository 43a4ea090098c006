; Inno Setup 6 script for 信用核查台 (saved as UTF-8 with BOM so the Chinese names survive).
; Built by `python packaging/build.py windows`, which passes AppVersion, BundleDir, OutputDir and
; RepoRoot; do not edit the version here (it comes from desktop_app.__version__).
;
; Installs per machine under Program Files, adds Start-menu (and optional desktop) shortcuts
; named 信用核查台, puts the CLI on no PATH (IT calls it by full path), and writes the example
; configuration to %ProgramData%\xinyong-hechatai\config.toml only if none exists. Uninstalling
; removes the program only: the configuration and every user's data folder are kept.
;
; Silent install for many PCs:  xinyong-hechatai-<version>-setup.exe /VERYSILENT /NORESTART
; Silent uninstall:             "%ProgramFiles%\xinyong-hechatai\unins000.exe" /VERYSILENT

#ifndef AppVersion
  #error Run packaging/build.py windows (AppVersion is not defined)
#endif

#define AppId "xinyong-hechatai"
#define AppName "信用核查台"

[Setup]
; A fixed AppId: every later version upgrades this installation in place.
AppId={{6F1C6C2E-3B0B-4F4B-9E43-7A3C1D2B9A10}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=信用核查台维护组
DefaultDirName={autopf}\{#AppId}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename={#AppId}-{#AppVersion}-setup
SetupIconFile={#RepoRoot}\packaging\icons\xinyong-hechatai.ico
UninstallDisplayIcon={app}\{#AppId}-gui.exe
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "default"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "{#RepoRoot}\packaging\config.example.toml"; DestDir: "{commonappdata}\{#AppId}"; DestName: "config.toml"; Flags: onlyifdoesntexist uninsneveruninstall

[InstallDelete]
; An upgrade replaces the bundle whole, so no file of an older version lingers in {app}.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppId}-gui.exe"
Name: "{group}\{#AppName}自检"; Filename: "{cmd}"; Parameters: "/k ""{app}\{#AppId}.exe"" selftest"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppId}-gui.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppId}-gui.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
