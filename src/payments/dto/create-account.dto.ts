import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsCurrencyCode, IsMetadata } from '../../common/validation';

export class CreateAccountDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @IsCurrencyCode()
  currency: string;

  @IsOptional()
  @IsMetadata()
  metadata?: Record<string, string>;
}
